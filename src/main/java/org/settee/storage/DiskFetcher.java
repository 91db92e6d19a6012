package org.settee.storage;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.settee.kv.BackgroundFetcher;
import org.settee.kv.Item;
import org.settee.kv.ItemKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A couchbase bucket's reads of evicted items from its store. A read the disk fails throws (the
 * command gets TMPFAIL, its connection lives on); the failure is logged once when reads start
 * failing and once when they work again, not once per command.
 */
final class DiskFetcher implements BackgroundFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(DiskFetcher.class);

  private final String bucket;
  private final BucketStore store;
  private final Executor fetches;
  private final AtomicBoolean failing = new AtomicBoolean();

  DiskFetcher(String bucket, BucketStore store, Executor fetches) {
    this.bucket = bucket;
    this.store = store;
    this.fetches = fetches;
  }

  @Override
  public Executor executor() {
    return fetches;
  }

  @Override
  public Item fetch(int vbucket, ItemKey key) {
    Item item;
    try {
      item = store.get(vbucket, key.bytes());
    } catch (RuntimeException e) {
      if (failing.compareAndSet(false, true)) {
        LOG.error(
            "bucket {}: cannot read from disk ({}); commands that need a value from disk get"
                + " TMPFAIL until reads work again",
            bucket,
            e.getMessage());
      }
      throw e;
    }
    if (failing.compareAndSet(true, false)) {
      LOG.info("bucket {}: reads from disk work again", bucket);
    }
    return item;
  }
}
