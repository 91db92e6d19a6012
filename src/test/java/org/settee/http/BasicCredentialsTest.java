package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BasicCredentialsTest {
  @Test
  void parsesUserAndPasswordSplitAtTheFirstColon() {
    BasicCredentials c = BasicCredentials.parse(RestClient.basic("user", "pa:ss wörd"));
    assertThat(c.user()).isEqualTo("user");
    assertThat(c.password()).isEqualTo("pa:ss wörd");
    assertThat(BasicCredentials.parse("basic " + RestClient.basic("u", "p").substring(6)).user())
        .isEqualTo("u");
    assertThat(c.toString()).doesNotContain("pa:ss");
  }

  @Test
  void anythingElseIsNoCredentials() {
    assertThat(BasicCredentials.parse("Bearer abc")).isNull();
    assertThat(BasicCredentials.parse("Basic")).isNull();
    assertThat(BasicCredentials.parse("Basic !!!")).isNull();
    assertThat(BasicCredentials.parse("Basic bm9jb2xvbg==")).isNull(); // "nocolon"
    assertThat(BasicCredentials.parse("Basic OnBhc3M=")).isNull(); // ":pass"
    assertThat(BasicCredentials.parse("Basic /w==")).isNull(); // not UTF-8
  }
}
