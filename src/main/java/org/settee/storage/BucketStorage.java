package org.settee.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.rocksdb.RocksDBException;
import org.settee.kv.Bucket;
import org.settee.kv.Item;
import org.settee.kv.VBucket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A couchbase bucket's persistence: opens its store, warms the bucket up from it, runs its flusher,
 * and closes or destroys it. Writes are acknowledged from memory; the flusher persists them shortly
 * after and advances the persisted seqno that OBSERVE_SEQNO reports.
 */
public final class BucketStorage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BucketStorage.class);

  /** Seqno-index entries one step of its compaction looks at: a few milliseconds of work. */
  private static final int SEQNO_SWEEP_CHUNK = 10_000;

  private final Bucket bucket;
  private final BucketStore store;
  private final Flusher flusher;
  private final Warmup.Result warmup;
  private final AtomicBoolean seqnoSweepRunning = new AtomicBoolean();
  private boolean closed;

  private BucketStorage(Bucket bucket, BucketStore store, Flusher flusher, Warmup.Result warmup) {
    this.bucket = bucket;
    this.store = store;
    this.flusher = flusher;
    this.warmup = warmup;
  }

  /**
   * Opens the bucket's store in {@code dir}, loads everything it holds into the bucket (before the
   * bucket serves anything), and starts persisting.
   *
   * @throws CorruptStorageException when the directory holds data Settee cannot read
   */
  public static BucketStorage open(Path dir, Bucket bucket, Executor fetches) {
    long opening = System.nanoTime();
    // A new bucket's directory that this open created goes again if the open fails (a full disk):
    // the bucket does not exist, and nothing would ever delete its files. A directory that was
    // there before is left alone, whatever it holds.
    boolean created = !Files.exists(dir);
    BucketStore store;
    try {
      store = BucketStore.open(dir);
    } catch (RuntimeException e) {
      deleteCreated(created, dir, e);
      throw e;
    }
    try {
      Warmup.Result warmup = new Warmup(bucket, store, opening).run();
      allowCompactions(store, bucket);
      Flusher flusher = new Flusher(bucket, store);
      boolean fullEviction = "fullEviction".equals(bucket.settings().evictionPolicy());
      for (int i = 0; i < bucket.numVBuckets(); i++) {
        bucket.vbucket(i).trackDirty(flusher::wake);
        bucket.vbucket(i).fullEviction(fullEviction);
      }
      bucket.fetcher(new DiskFetcher(bucket.name(), store, fetches));
      BucketStorage storage = new BucketStorage(bucket, store, flusher, warmup);
      flusher.start();
      return storage;
    } catch (RuntimeException e) {
      store.close();
      deleteCreated(created, dir, e);
      throw e;
    }
  }

  private static void deleteCreated(boolean created, Path dir, RuntimeException failure) {
    if (created) {
      try {
        deleteRecursively(dir);
      } catch (UncheckedIOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  public Warmup.Result warmup() {
    return warmup;
  }

  /**
   * Fault control: makes every write to disk fail as a full disk would ({@code null} heals it). For
   * drills and tests of what clients see when persistence stops.
   */
  public void injectWriteFailure(String message) {
    store.injectWriteFailure(message);
  }

  /**
   * Fault control: makes every read of an item from disk fail with this message ({@code null} heals
   * it), as a disk with a bad sector would.
   */
  public void injectReadFailure(String message) {
    store.injectReadFailure(message);
  }

  /**
   * As {@link #injectWriteFailure}, for the flusher's rounds only: the small writes of a stop (the
   * vBucket states, the clean-shutdown mark) still go through, as on a disk with little room.
   */
  public void injectFlusherFailure(String message) {
    store.injectFlusherFailure(message);
  }

  /**
   * Opens a DCP backfill of one vBucket: its items on disk with seqnos in [fromSeqno, toSeqno], as
   * of now. Callable from any thread but an event loop (it reads the disk).
   *
   * @throws StorageClosedException when the bucket's storage is closed
   */
  public SeqnoScan openScan(int vb, long fromSeqno, long toSeqno) {
    return store.openScan(vb, fromSeqno, toSeqno);
  }

  /** DCP backfill scans open on the store: each holds a RocksDB snapshot until released. */
  public int openScans() {
    return store.openScans();
  }

  /** Items written to disk since the bucket opened. */
  public long persistedItems() {
    return flusher.persistedItems();
  }

  /** Batches the flusher has written. */
  public long commits() {
    return flusher.commits();
  }

  /** Batches the flusher failed to write (each is retried). */
  public long failedCommits() {
    return flusher.failedCommits();
  }

  /** Mutations in the batch being written to disk at this moment. */
  public long flusherTodo() {
    return flusher.inFlight();
  }

  /** Mutations waiting for the flusher, including those of the batch being written. */
  public long diskQueueSize() {
    long n = 0;
    for (int i = 0; i < bucket.numVBuckets(); i++) {
      n += bucket.vbucket(i).dirtyCount();
    }
    return n;
  }

  /**
   * Compaction: purges tombstones deleted before {@code cutoffSeconds} from memory, and from disk
   * on the storage thread.
   *
   * @return how many tombstones were purged from memory
   */
  public int purgeTombstones(long cutoffSeconds) {
    int purged = 0;
    for (int i = 0; i < bucket.numVBuckets(); i++) {
      int vb = i;
      List<Item> tombstones = bucket.vbucket(i).purgeTombstones(cutoffSeconds);
      if (tombstones.isEmpty()) {
        continue;
      }
      purged += tombstones.size();
      flusher.submit(
          () -> {
            try {
              store.purge(vb, tombstones);
            } catch (RocksDBException e) {
              LOG.warn(
                  "bucket {}: tombstone purge on disk failed: {}", bucket.name(), e.getMessage());
            }
          });
    }
    return purged;
  }

  /**
   * Compaction of the seqno index: removes the entries of keys that have moved on to a newer seqno
   * (a backfill skips them, but nothing else would remove them, so the index would grow with every
   * update). Runs on the storage thread a chunk at a time, each chunk queued behind the batch that
   * follows it, so writes wait for one chunk at most. A pass still running is not started again.
   */
  public void removeStaleSeqnos() {
    if (seqnoSweepRunning.compareAndSet(false, true)) {
      flusher.submit(() -> sweepSeqnos(StorageLayout.seqnoKey(0, 0), 0));
    }
  }

  private void sweepSeqnos(byte[] from, long removedSoFar) {
    BucketStore.SeqnoSweep step;
    try {
      step = store.removeStaleSeqnos(from, SEQNO_SWEEP_CHUNK);
    } catch (RocksDBException | RuntimeException e) {
      // A record it cannot read (corrupt) ends this pass only: the next compaction tries again.
      LOG.warn("bucket {}: seqno index compaction failed: {}", bucket.name(), e.toString());
      seqnoSweepRunning.set(false);
      return;
    }
    long removed = removedSoFar + step.removed();
    if (step.next() != null) {
      flusher.submit(() -> sweepSeqnos(step.next(), removed));
      return;
    }
    seqnoSweepRunning.set(false);
    if (removed > 0) {
      LOG.info(
          "bucket {}: compaction removed {} stale seqno-index entries", bucket.name(), removed);
    }
  }

  /** Runs {@code task} on the storage thread, in order with the batches (tests: a failing task). */
  void runOnStorageThread(Runnable task) {
    flusher.submit(task);
  }

  /** Table files of the key index not yet compacted (level 0): for tests and diagnostics. */
  long keyIndexLevel0Files() {
    return store.whileOpen(store::keyIndexLevel0Files);
  }

  /** Entries in the seqno index, stale ones included. A full scan: for tests and diagnostics. */
  public long seqnoIndexEntries() {
    return store.seqnoIndexEntries();
  }

  /** Clean close: persists what is dirty, marks the store cleanly closed, releases it. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    boolean stopped = false;
    try {
      stopped = flusher.stop(true);
      if (stopped && !flusher.crashed()) {
        if (allPersisted()) {
          writeStates();
          store.markCleanShutdown();
          flushMemtables();
        } else {
          // A clean mark would let the next start carry on the same history without the
          // mutations lost here: a DCP client that saw them would never roll them back. Without
          // it the start recovers as after a crash, with a new failover-log entry per vBucket.
          LOG.error(
              "bucket {}: stopped with mutations not persisted (the disk kept failing, or was too"
                  + " slow to take them in time): the next start recovers as after a crash",
              bucket.name());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RocksDBException e) {
      LOG.error("bucket {}: could not mark a clean shutdown: {}", bucket.name(), e.getMessage());
    } finally {
      if (stopped) {
        store.close();
      }
    }
  }

  /** Whether every vBucket is persisted up to its high seqno (flushes included). */
  private boolean allPersisted() {
    for (int i = 0; i < bucket.numVBuckets(); i++) {
      VBucket vb = bucket.vbucket(i);
      if (vb.persistedSeqno() < vb.highSeqno()) {
        return false;
      }
    }
    return true;
  }

  private static void allowCompactions(BucketStore store, Bucket bucket) {
    try {
      store.allowCompactions();
    } catch (RocksDBException e) {
      throw new IllegalStateException(
          "bucket " + bucket.name() + ": RocksDB refused to resume compactions: " + e.getMessage(),
          e);
    }
  }

  /**
   * Writes the memtables out, so that the next start reads tables instead of replaying the
   * write-ahead log (2.2-2.8 s of a restart after 1M items, seconds the bucket cannot serve). A
   * failure costs only that: the log holds everything.
   */
  private void flushMemtables() {
    try {
      store.flushMemtables();
    } catch (RocksDBException e) {
      LOG.warn(
          "bucket {}: could not write the memtables out at shutdown ({}); the next start replays"
              + " the write-ahead log",
          bucket.name(),
          e.getMessage());
    }
  }

  /** The bucket is deleted: stop without persisting, release the store, delete its files. */
  public synchronized void destroy() {
    if (!closed) {
      closed = true;
      boolean stopped = false;
      try {
        stopped = flusher.stop(false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (!stopped) {
        return; // files stay: deleting them under a live storage thread is worse
      }
      store.close();
    }
    deleteRecursively(store.dir());
  }

  private void writeStates() throws RocksDBException {
    try (BucketStore.Batch batch = store.batch()) {
      for (int i = 0; i < bucket.numVBuckets(); i++) {
        VBucket vb = bucket.vbucket(i);
        batch.vbucket(
            i, vb.state(), vb.persistedSeqno(), vb.purgeSeqno(), vb.failoverLog().entries());
      }
      batch.commit();
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
