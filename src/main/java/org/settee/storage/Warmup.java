package org.settee.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.RocksDBException;
import org.settee.kv.Bucket;
import org.settee.kv.VBucket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a bucket from its store before it serves anything: vBucket states and failover logs first,
 * then every item. After an unclean shutdown every active vBucket starts a new history branch (a
 * new failover-log entry), persisted before the bucket serves.
 */
final class Warmup {
  private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);
  private static final long PROGRESS_EVERY = 1_000_000;

  private final Bucket bucket;
  private final BucketStore store;
  private final long openStart;

  /**
   * What warmup found. {@code millis} runs from the opening of the store (RocksDB replays its
   * write-ahead log then) to the end of warmup: all the time the bucket waits before it serves.
   */
  public record Result(long items, long millis, long openMillis, boolean uncleanShutdown) {
    public double itemsPerSecond() {
      return millis == 0 ? items * 1000.0 : items * 1000.0 / millis;
    }
  }

  /**
   * @param openStart {@link System#nanoTime} before the store was opened
   */
  Warmup(Bucket bucket, BucketStore store, long openStart) {
    this.bucket = bucket;
    this.store = store;
    this.openStart = openStart;
  }

  Result run() {
    long openMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openStart);
    boolean clean;
    try {
      clean = store.takeCleanShutdownMark();
    } catch (RocksDBException e) {
      throw new CorruptStorageException("cannot read the shutdown mark: " + e.getMessage(), e);
    }
    boolean unclean = !clean;
    long[] high = new long[bucket.numVBuckets()];
    long[] count = {loadItems(high)};
    long[] batched;
    try {
      batched = store.highSeqnos(null);
    } catch (RocksDBException e) {
      throw new CorruptStorageException("cannot read the high seqnos: " + e.getMessage(), e);
    }
    for (int vb = 0; vb < Math.min(batched.length, high.length); vb++) {
      high[vb] = Math.max(high[vb], batched[vb]);
    }
    store.forEachVBucket(
        (vb, record) ->
            vbucket(vb)
                .restoreState(
                    record.state(),
                    Math.max(record.highSeqno(), high[vb]),
                    record.purgeSeqno(),
                    record.failoverLog(),
                    unclean));
    persistStates();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openStart);
    Result result = new Result(count[0], millis, openMillis, unclean);
    if (!store.isFresh()) {
      LOG.info(
          "bucket {}: warmup done: {} items in {} ms, {} ms of them opening the store ({} items/s){}",
          bucket.name(),
          result.items(),
          millis,
          openMillis,
          Math.round(result.itemsPerSecond()),
          unclean ? "; the last shutdown was not clean: new failover-log entries" : "");
    }
    return result;
  }

  /**
   * Loads items with one thread per core, each over its own range of vBuckets (no two threads touch
   * one vBucket, so they never contend).
   */
  private long loadItems(long[] high) {
    int n = bucket.numVBuckets();
    int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), n));
    AtomicLong loaded = new AtomicLong();
    AtomicBoolean cancelled = new AtomicBoolean();
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int from = n * t / threads;
      int to = n * (t + 1) / threads;
      Thread worker =
          new Thread(
              () -> {
                try {
                  store.forEachItem(
                      from,
                      to,
                      (vb, item) -> {
                        if (cancelled.get()) {
                          throw new CancellationException("warmup of " + bucket.name());
                        }
                        vbucket(vb).restore(item);
                        high[vb] = Math.max(high[vb], item.bySeqno());
                        if (loaded.incrementAndGet() % PROGRESS_EVERY == 0) {
                          LOG.info(
                              "bucket {}: warmup loaded {} items", bucket.name(), loaded.get());
                        }
                      });
                } catch (RuntimeException | Error e) {
                  // An Error too (a direct buffer for a large document that cannot be had): a
                  // worker that just died would leave its vBuckets' items out of a warmup that
                  // then succeeds.
                  failures.add(e);
                }
              },
              "settee-warmup-" + bucket.name() + "-" + t);
      worker.start();
      workers.add(worker);
    }
    // Every worker is waited for, even when this thread is interrupted: the caller closes the
    // store on the way out, and a worker still iterating it would read freed native memory.
    boolean interrupted = false;
    for (Thread w : workers) {
      while (w.isAlive()) {
        try {
          w.join();
        } catch (InterruptedException e) {
          interrupted = true;
          cancelled.set(true);
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during warmup of bucket " + bucket.name());
    }
    if (!failures.isEmpty()) {
      Throwable first = failures.get(0);
      if (first instanceof RuntimeException e) {
        throw e;
      }
      throw new IllegalStateException(
          "warmup of bucket " + bucket.name() + " failed: " + first, first);
    }
    return loaded.get();
  }

  private VBucket vbucket(int vb) {
    VBucket target = bucket.vbucket(vb);
    if (target == null) {
      throw new CorruptStorageException(
          "vBucket "
              + vb
              + " on disk, but bucket "
              + bucket.name()
              + " has "
              + bucket.numVBuckets());
    }
    return target;
  }

  private void persistStates() {
    try (BucketStore.Batch batch = store.batch()) {
      for (int i = 0; i < bucket.numVBuckets(); i++) {
        VBucket vb = bucket.vbucket(i);
        batch.vbucket(
            i, vb.state(), vb.persistedSeqno(), vb.purgeSeqno(), vb.failoverLog().entries());
      }
      batch.commit();
    } catch (RocksDBException e) {
      throw new CorruptStorageException("cannot write vBucket states: " + e.getMessage(), e);
    }
  }
}
