package org.settee.kv;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns expired items into expirations in every bucket, so that they stop taking memory and reach
 * disk and DCP without waiting for a client to read them. Runs periodically on the node's task
 * thread; tests call {@link #run()} after moving a manual clock.
 */
public final class ExpiryPager implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ExpiryPager.class);
  private final BucketRegistry buckets;

  public ExpiryPager(BucketRegistry buckets) {
    this.buckets = buckets;
  }

  @Override
  public void run() {
    for (Bucket bucket : buckets.all()) {
      if (bucket.state() != BucketState.READY) {
        continue;
      }
      long expired = 0;
      for (int i = 0; i < bucket.numVBuckets(); i++) {
        expired += bucket.vbucket(i).expireAll();
      }
      if (expired > 0) {
        LOG.debug("bucket {}: expiry pager expired {} items", bucket.name(), expired);
      }
    }
  }
}
