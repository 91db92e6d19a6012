package org.settee.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ScramAttributesTest {
  @Test
  void parsesKeysAndValuesKeepingPadding() {
    assertThat(ScramAttributes.parse("r=abc,s=QSXC==,i=4096"))
        .containsExactly(Map.entry('r', "abc"), Map.entry('s', "QSXC=="), Map.entry('i', "4096"));
  }

  @Test
  void refusesWhatIsNotAnAttributeList() {
    assertThat(ScramAttributes.parse("")).isNull();
    assertThat(ScramAttributes.parse("r=a,,s=b")).isNull();
    assertThat(ScramAttributes.parse("ra")).isNull();
    assertThat(ScramAttributes.parse("rr=a")).isNull();
    assertThat(ScramAttributes.parse("1=a")).isNull();
    assertThat(ScramAttributes.parse("r=a,r=b")).isNull();
  }

  @Test
  void decodesEscapedNames() {
    assertThat(ScramAttributes.decodeName("a=2Cb=3Dc")).isEqualTo("a,b=c");
    assertThat(ScramAttributes.decodeName("=3D=2C")).isEqualTo("=,");
    assertThat(ScramAttributes.decodeName("plain")).isEqualTo("plain");
    assertThat(ScramAttributes.decodeName("a=2c")).isNull();
    assertThat(ScramAttributes.decodeName("a=")).isNull();
    assertThat(ScramAttributes.decodeName("a=3")).isNull();
  }

  @Test
  void printableExcludesCommaSpaceAndNonAscii() {
    assertThat(ScramAttributes.isPrintable("fyko+d2lbbFgONRv9qkxdawL%$)")).isTrue();
    assertThat(ScramAttributes.isPrintable("a,b")).isFalse();
    assertThat(ScramAttributes.isPrintable("a b")).isFalse();
    assertThat(ScramAttributes.isPrintable("é")).isFalse();
  }
}
