package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VBucketHashTest {
  /** The spec's vectors (kv-protocol.md 6.2), computed by the Java SDK. */
  @ParameterizedTest
  @CsvSource({"hello, 13840, 528, 16", "foo, 3187, 115, 51", "doc-1, 29360, 688, 48"})
  void mapsKeysAsCouchbaseClientsDo(String key, int hash, int of1024, int of64) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    // The scratch array may be longer than the key: only [0, length) counts.
    byte[] scratch = new byte[KeySpace.MAX_KEY_LENGTH];
    System.arraycopy(bytes, 0, scratch, 0, bytes.length);
    scratch[bytes.length] = 'x';

    assertThat(new VBucketHash(1024).hash(scratch, bytes.length)).isEqualTo(hash);
    assertThat(new VBucketHash(1024).vbucket(scratch, bytes.length)).isEqualTo(of1024);
    assertThat(new VBucketHash(64).vbucket(scratch, bytes.length)).isEqualTo(of64);
  }

  @ParameterizedTest
  @ValueSource(strings = {"hello", "foo", "doc-1"})
  void zeroVBucketsSendsEverythingToVBucketZero(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    assertThat(new VBucketHash(0).vbucket(bytes, bytes.length)).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 3, 1000, 1025})
  void refusesCountsThatAreNotPowersOfTwo(int vbuckets) {
    assertThatThrownBy(() -> new VBucketHash(vbuckets))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Integer.toString(vbuckets));
  }
}
