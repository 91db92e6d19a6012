package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FormTest {
  static Form parse(String contentType, String body) {
    return Form.parse(contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void decodesEscapesAndPlusAsSpace() {
    Form f = parse(Form.CONTENT_TYPE, "name=A+B%26C&roles=admin%2Cdata_reader%5B*%5D&empty=&flag");
    assertThat(f.get("name")).isEqualTo("A B&C");
    assertThat(f.get("roles")).isEqualTo("admin,data_reader[*]");
    assertThat(f.get("empty")).isEmpty();
    assertThat(f.get("flag")).isEmpty();
    assertThat(f.has("missing")).isFalse();
  }

  @Test
  void aMissingContentTypeOrACharsetParameterIsAForm() {
    assertThat(parse(null, "a=1").get("a")).isEqualTo("1");
    assertThat(parse("application/x-www-form-urlencoded; charset=UTF-8", "a=1").get("a"))
        .isEqualTo("1");
    assertThat(parse(Form.CONTENT_TYPE, "").has("a")).isFalse();
  }

  @Test
  void refusesWhatIsNotAWellFormedForm() {
    for (String body : new String[] {"a=%zz", "a=%4", "=x", "a=1&a=2", "a=%C3"}) {
      assertThatThrownBy(() -> parse(Form.CONTENT_TYPE, body))
          .as(body)
          .isInstanceOf(RestException.class)
          .satisfies(
              e -> assertThat(((RestException) e).response().status().code()).isEqualTo(400));
    }
    assertThatThrownBy(() -> parse("application/json", "{}"))
        .isInstanceOf(RestException.class)
        .hasMessageContaining("application/x-www-form-urlencoded");
    assertThatThrownBy(() -> Form.parse(Form.CONTENT_TYPE, new byte[] {'a', '=', (byte) 0xff}))
        .isInstanceOf(RestException.class);
  }

  @Test
  void namesUnsupportedKeys() {
    Map<String, String> errors = new LinkedHashMap<>();
    parse(Form.CONTENT_TYPE, "name=x&colour=red").unsupported(Set.of("name"), errors);
    assertThat(errors).containsExactly(Map.entry("colour", "Unsupported key"));
  }
}
