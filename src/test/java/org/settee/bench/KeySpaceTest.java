package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeySpaceTest {
  @ParameterizedTest
  @ValueSource(longs = {0, 7, 9, 10, 99, 100, 12_345, 99_999, Long.MAX_VALUE})
  void writesKeyDashNumber(long n) {
    byte[] scratch = new byte[KeySpace.MAX_KEY_LENGTH];
    // Leftovers of a longer previous key must not leak into a shorter one.
    Arrays.fill(scratch, (byte) '#');

    int length = KeySpace.write(n, scratch);

    assertThat(new String(scratch, 0, length, StandardCharsets.US_ASCII)).isEqualTo("key-" + n);
  }
}
