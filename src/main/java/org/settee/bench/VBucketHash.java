package org.settee.bench;

import java.util.zip.CRC32;

/**
 * Maps a key to its vBucket the way Couchbase clients do (the Java SDK's masking form), so the
 * bench addresses the vBucket a real client would. Not thread-safe: one per connection, which keeps
 * its {@link CRC32} state.
 */
final class VBucketHash {
  private final CRC32 crc = new CRC32();
  private final int mask;

  /**
   * @param vbuckets the bucket's vBucket count, a power of two; 0 sends every key to vBucket 0
   *     (stock memcached has no vBuckets)
   */
  VBucketHash(int vbuckets) {
    if (vbuckets < 0 || Integer.bitCount(vbuckets) > 1) {
      throw new IllegalArgumentException(
          "vBucket count must be 0 or a power of two, not " + vbuckets);
    }
    this.mask = vbuckets == 0 ? 0 : vbuckets - 1;
  }

  /** The vBucket of the key held in {@code key[0..length)}. */
  int vbucket(byte[] key, int length) {
    return hash(key, length) & mask;
  }

  /** The 15-bit hash the vBucket is masked from: CRC-32, its upper half, sign bit dropped. */
  int hash(byte[] key, int length) {
    crc.reset();
    crc.update(key, 0, length);
    return (int) (crc.getValue() >>> 16) & 0x7fff;
  }
}
