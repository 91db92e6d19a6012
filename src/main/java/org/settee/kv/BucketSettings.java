package org.settee.kv;

import java.util.regex.Pattern;

/**
 * A bucket's definition, as it is created and stored in the node's configuration.
 *
 * @param ramQuotaMb the bucket's memory quota in MiB
 * @param numVBuckets a power of two between 1 and 1024 (clients mask the key hash with it)
 */
public record BucketSettings(
    String name, BucketType type, long ramQuotaMb, int numVBuckets, boolean flushEnabled) {
  public static final int DEFAULT_VBUCKETS = 1024;

  /** Couchbase's rule for bucket names. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._%-]{1,100}");

  public BucketSettings {
    if (name == null || !NAME.matcher(name).matches() || name.startsWith(".")) {
      throw new IllegalArgumentException(
          "bucket name must be 1-100 characters of A-Z a-z 0-9 . _ % - and not start with '.': "
              + name);
    }
    if (type == null) {
      throw new IllegalArgumentException("bucket type is required");
    }
    if (ramQuotaMb < 1) {
      throw new IllegalArgumentException("ramQuota must be at least 1 MiB: " + ramQuotaMb);
    }
    if (numVBuckets < 1 || numVBuckets > 1024 || Integer.bitCount(numVBuckets) != 1) {
      throw new IllegalArgumentException(
          "numVBuckets must be a power of two between 1 and 1024: " + numVBuckets);
    }
  }
}
