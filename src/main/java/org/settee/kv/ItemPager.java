package org.settee.kv;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a bucket's memory back under its low watermark once it passed the high one: evicts clean
 * values (value eviction) or clean items (full eviction) in couchbase buckets, deletes items in
 * ephemeral buckets with auto-delete and in memcached buckets. Ephemeral buckets with no eviction
 * keep everything and refuse writes when full.
 */
public final class ItemPager {
  private static final Logger LOG = LoggerFactory.getLogger(ItemPager.class);

  private ItemPager() {}

  /** One pass over the bucket's vBuckets; returns the bytes freed. */
  public static long run(Bucket bucket) {
    try {
      long toFree = bucket.stats().memoryUsed() - bucket.lowWatermark();
      if (toFree <= 0) {
        return 0;
      }
      BucketSettings s = bucket.settings();
      boolean deleting =
          s.type() == BucketType.MEMCACHED
              || (s.type() == BucketType.EPHEMERAL && "nruEviction".equals(s.evictionPolicy()));
      if (s.type() == BucketType.EPHEMERAL && !deleting) {
        return 0;
      }
      long freed = 0;
      int n = bucket.numVBuckets();
      // Spread over vBuckets rather than emptying the first ones.
      long perVBucket = Math.max(1, toFree / n + 1);
      for (int pass = 0; pass < 4 && freed < toFree; pass++) {
        for (int i = 0; i < n && freed < toFree; i++) {
          VBucket vb = bucket.vbucket(i);
          freed += deleting ? vb.evictByDeleting(perVBucket) : vb.evictClean(perVBucket);
        }
        perVBucket *= 4;
      }
      LOG.debug("bucket {}: item pager freed {} bytes", bucket.name(), freed);
      return freed;
    } finally {
      bucket.pagerDone();
    }
  }
}
