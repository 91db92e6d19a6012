package org.settee.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What gets the JSON datatype: exactly one JSON value, nothing else. */
class JsonTest {
  private static boolean isJson(String s) {
    return Json.isJson(s.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        " {\"a\": [1, 2, {\"b\": null}]}\n",
        "[]",
        "[1,\"x\"]",
        "\"a string\"",
        "0",
        "-12.5e3",
        " 42 ",
        "true",
        "false",
        "null\r\n"
      })
  void oneJsonValueIsJson(String value) {
    assertThat(isJson(value)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "{",
        "{\"a\":1",
        "{\"a\":1} {}",
        "{not json}",
        "[1,2",
        "\"unterminated",
        "12a",
        "1 2",
        "tru",
        "nul",
        "true false",
        "hello",
        "-",
      })
  void anythingElseIsNot(String value) {
    assertThat(isJson(value)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
  void binaryValuesAreNot(int seed) {
    byte[] value = new byte[100];
    new java.util.Random(seed).nextBytes(value);
    value[0] = (byte) "{[\"tfn-01".charAt(seed % 8); // starts like JSON: only the rest can tell
    assertThat(Json.isJson(value)).isFalse();
  }
}
