package org.settee.storage;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.RocksDBException;
import org.settee.kv.BackgroundFetcher;
import org.settee.kv.Item;
import org.settee.kv.ItemKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A couchbase bucket's reads of evicted items from its store. A read the disk fails fails its
 * command only ({@link ReadFailure}: TMPFAIL for an I/O error, an internal error for a damaged
 * record), never its connection. It is logged once when reads start failing, and once when none has
 * failed for a minute: a disk with a few bad sectors fails some reads among good ones, and a line
 * per command, or per alternation, would bury the log.
 */
final class DiskFetcher implements BackgroundFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(DiskFetcher.class);
  private static final long QUIET_NANOS = Duration.ofMinutes(1).toNanos();

  private final String bucket;
  private final BucketStore store;
  private final Executor fetches;
  private final AtomicBoolean failing = new AtomicBoolean();
  private volatile long lastFailure;

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
    } catch (CorruptStorageException e) {
      failed(e);
      throw new ReadFailure("the document on disk is damaged and cannot be read", false, e);
    } catch (IllegalStateException e) {
      if (!(e.getCause() instanceof RocksDBException)) {
        throw e;
      }
      failed(e);
      throw new ReadFailure("cannot read the document from disk (I/O error)", true, e);
    }
    if (failing.get()
        && System.nanoTime() - lastFailure > QUIET_NANOS
        && failing.compareAndSet(true, false)) {
      LOG.info("bucket {}: reads from disk work again (none failed for a minute)", bucket);
    }
    return item;
  }

  private void failed(RuntimeException e) {
    lastFailure = System.nanoTime();
    if (failing.compareAndSet(false, true)) {
      LOG.error(
          "bucket {}: cannot read from disk ({}); commands that need a value from disk fail until"
              + " reads work again",
          bucket,
          e.getMessage());
    }
  }
}
