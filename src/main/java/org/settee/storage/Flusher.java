package org.settee.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.rocksdb.RocksDBException;
import org.settee.kv.Bucket;
import org.settee.kv.FailoverLog;
import org.settee.kv.Item;
import org.settee.kv.ItemKey;
import org.settee.kv.VBucket;
import org.settee.kv.VBucketState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bucket's storage thread: persists dirty items and bucket flushes in batches (latest version
 * per key, in seqno order, one fsync per batch), advances each vBucket's persisted seqno, and runs
 * the other disk work of the bucket (compaction) in order with it. Nothing else writes to the
 * {@link BucketStore}.
 *
 * <p>A failed write keeps the items (and flushes) queued, refuses new writes with TMPFAIL, logs one
 * line, and retries every second until the disk takes them again.
 */
final class Flusher implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Flusher.class);
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final java.time.Duration STOP_DEADLINE = java.time.Duration.ofSeconds(60);

  /** How long a clean stop persists what is dirty: well inside {@link #STOP_DEADLINE}. */
  private static final java.time.Duration DRAIN_TIME = java.time.Duration.ofSeconds(45);

  /**
   * After a small batch, wait this long for more: a round per mutation would spend the CPU on
   * fsyncs and scans of idle vBuckets. It bounds how long persistence lags behind a write under a
   * light load (a write to an idle bucket is flushed at once). 20 ms rather than 5: the flusher's
   * CPU per mutation fell by about a fifth (docs/benchmarks.md, issue 4).
   */
  private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /**
   * A batch of at least this many mutations means a steady write load (here about 13k mutations/s):
   * the flusher then gathers for {@link #BUSY_GATHER_NANOS}.
   */
  private static final int BUSY_BATCH = 256;

  /**
   * How long to gather after a busy batch: it bounds how long persistence lags behind a write under
   * a heavy load. A RocksDB write costs less per mutation the more its batch holds: one fsync and
   * one scan of the vBuckets serve them all, and mutations of neighbouring keys share the
   * memtables' search paths. At 30k sets/s the flusher's CPU fell from about 4 to 2.6 us per
   * mutation, and a persistent bucket's throughput on two cores from 0.77 to 0.98 of an ephemeral
   * one's (docs/benchmarks.md, issue 4). Longer gave little more (200 ms: 2.3-2.5 us).
   */
  private static final long BUSY_GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** A batch this large is worth writing at once, without gathering more. */
  private static final int LARGE_BATCH = 10_000;

  /** A clean stop gives up persisting what is dirty after this many rounds without progress. */
  private static final int DRAIN_ATTEMPTS = 5;

  /**
   * A round takes at most about this many bytes (keys, values and {@link #ITEM_OVERHEAD} each; at
   * least one item): the batch is built in native memory and lands in one memtable whole, so a
   * backlog as large as the bucket's quota (the flusher fell behind, or the disk failed for a
   * while) must not become one write of that size. A steady load's round is far smaller (about 1 MB
   * at 50k sets/s of 100 bytes).
   */
  static final long MAX_BATCH_BYTES = 32L << 20;

  /**
   * What a mutation adds to a batch besides its key and value: the record's header, the seqno
   * index's entry (its key again), RocksDB's own framing.
   */
  static final int ITEM_OVERHEAD = 96;

  /** At most this many mutations of one vBucket per round: bounds a batch's memory. */
  private static final int MAX_PER_VBUCKET = 50_000;

  private final Bucket bucket;
  private final BucketStore store;
  private final long maxBatchBytes;

  /** Where the next round starts taking vBuckets. Storage thread only. */
  private int firstVBucket;

  /** The last round stopped at {@link #maxBatchBytes}: more is waiting. Storage thread only. */
  private boolean roundCut;

  /**
   * Each vBucket's high seqno as of the batches written so far: all of it goes into every batch
   * ({@link StorageLayout#HIGH_SEQNOS}). Storage thread only.
   */
  private final long[] highSeqnos;

  /**
   * What each vBucket's record on disk says besides its high seqno (null: not written by this
   * flusher yet): a batch rewrites the record only when this changed. Storage thread only.
   */
  private final StateOnDisk[] statesOnDisk;

  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final LongAdder persistedItems = new LongAdder();
  private final LongAdder commits = new LongAdder();
  private final LongAdder failedCommits = new LongAdder();

  /** Mutations in the batch being written now (Couchbase's {@code ep_flusher_todo}). */
  private volatile int inFlight;

  private volatile boolean pending;
  private volatile boolean stopping;
  private volatile boolean drainOnStop;
  private volatile boolean failing;
  private volatile boolean crashed;

  /** A vBucket record's content but its high seqno. */
  private record StateOnDisk(VBucketState state, long purgeSeqno, List<FailoverLog.Entry> log) {}

  Flusher(Bucket bucket, BucketStore store) {
    this(bucket, store, MAX_BATCH_BYTES);
  }

  Flusher(Bucket bucket, BucketStore store, long maxBatchBytes) {
    this.bucket = bucket;
    this.store = store;
    this.maxBatchBytes = maxBatchBytes;
    this.highSeqnos = new long[bucket.numVBuckets()];
    for (int i = 0; i < highSeqnos.length; i++) {
      highSeqnos[i] = bucket.vbucket(i).persistedSeqno();
    }
    this.statesOnDisk = new StateOnDisk[bucket.numVBuckets()];
    this.thread = new Thread(this, "settee-flusher-" + bucket.name());
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Called on every mutation: cheap unless the flusher is asleep. */
  void wake() {
    if (!pending) {
      pending = true;
      LockSupport.unpark(thread);
    }
  }

  /** Runs a task on the storage thread, after the batch in progress. */
  void submit(Runnable task) {
    tasks.add(task);
    pending = true;
    LockSupport.unpark(thread);
  }

  /** The thread died of an unexpected error: what memory holds was not all persisted. */
  boolean crashed() {
    return crashed;
  }

  long persistedItems() {
    return persistedItems.sum();
  }

  /** Batches that failed to be written (Couchbase's {@code ep_item_commit_failed}). */
  long failedCommits() {
    return failedCommits.sum();
  }

  /** Mutations in the batch being written at this moment. */
  int inFlight() {
    return inFlight;
  }

  /** Batches written so far (Couchbase's {@code ep_commit_num}). */
  long commits() {
    return commits.sum();
  }

  /**
   * Stops the thread; with {@code drain} it first persists everything still dirty (a clean
   * shutdown), without it what is dirty is dropped (the bucket is being deleted).
   *
   * @return false when the thread did not stop in time: the store must then not be closed
   */
  boolean stop(boolean drain) throws InterruptedException {
    drainOnStop = drain;
    stopping = true;
    LockSupport.unpark(thread);
    thread.join(STOP_DEADLINE.toMillis());
    if (thread.isAlive()) {
      LOG.error(
          "bucket {}: the storage thread did not stop within {} s (a disk that hangs?);"
              + " its store is left open rather than closed under it",
          bucket.name(),
          STOP_DEADLINE.toSeconds());
      return false;
    }
    return true;
  }

  @Override
  public void run() {
    try {
      persistUntilStopped();
    } catch (RuntimeException | Error e) {
      // Nothing is persisted from here on: say so, refuse writes, and never mark this store
      // cleanly shut down (the next start then recovers as after a crash, with a failover entry).
      crashed = true;
      bucket.refuseWrites("bucket storage thread stopped: " + e);
      LOG.error(
          "bucket {}: the storage thread stopped on an unexpected error; writes get TMPFAIL until"
              + " a restart, which recovers what was persisted as after a crash",
          bucket.name(),
          e);
    }
  }

  private void persistUntilStopped() {
    while (!stopping) {
      pending = false;
      runTasks();
      int written = flushOnce();
      if (failing) {
        LockSupport.parkNanos(this, RETRY_NANOS);
      } else if (written == 0 && !pending) {
        LockSupport.parkNanos(this, IDLE_NANOS);
      } else if (written < LARGE_BATCH && !roundCut) {
        gather(written < BUSY_BATCH ? GATHER_NANOS : BUSY_GATHER_NANOS);
      }
    }
    runTasks();
    if (drainOnStop) {
      drain();
    }
  }

  /**
   * A clean stop's last rounds: as many as what is dirty takes, a second between rounds that made
   * no progress (a disk that fails for a moment), and bounded both in such rounds and in time, so
   * that a disk that keeps failing or crawls cannot hold the shutdown past {@link #STOP_DEADLINE}.
   * What is left then is not persisted, and the store is not marked cleanly shut down (the caller
   * sees it and says so).
   */
  private void drain() {
    long deadline = System.nanoTime() + DRAIN_TIME.toNanos();
    for (int stalls = 0; stalls < DRAIN_ATTEMPTS && System.nanoTime() - deadline < 0; ) {
      int dirty = dirtyCount();
      if (dirty == 0) {
        return;
      }
      flushOnce();
      if (dirtyCount() >= dirty && ++stalls < DRAIN_ATTEMPTS) {
        LockSupport.parkNanos(
            this, Math.min(RETRY_NANOS, Math.max(0, deadline - System.nanoTime())));
      }
    }
  }

  /**
   * Waits {@code nanos} for more mutations. A wake-up from the next write must not cut it short (so
   * it parks again); a stop does.
   */
  private void gather(long nanos) {
    long deadline = System.nanoTime() + nanos;
    for (long left = nanos; left > 0 && !stopping; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(this, left);
      if (Thread.currentThread().isInterrupted()) {
        stopping = true;
      }
    }
  }

  /**
   * Runs the tasks queued so far, not those they queue: a task done in steps (compaction) queues
   * its next step, which then waits for the next batch of writes.
   */
  private void runTasks() {
    for (int n = tasks.size(); n > 0; n--) {
      Runnable task = tasks.poll();
      if (task == null) {
        return;
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        // A side task (purge, seqno sweep) that fails must not take persistence down with it.
        LOG.error("bucket {}: a storage task failed: {}", bucket.name(), e.toString(), e);
      }
    }
  }

  /** The last version of each key, in seqno order (the input is in seqno order). */
  static List<Item> latestPerKey(List<Item> items) {
    if (items.size() == 1) {
      return items; // the common case under a spread load: one mutation per vBucket per round
    }
    if (items.size() <= SMALL_ROUND) {
      return latestPerKeySmall(items);
    }
    HashSet<ItemKey> seen = new HashSet<>(items.size() * 2);
    ArrayList<Item> latest = new ArrayList<>(items.size());
    for (int i = items.size() - 1; i >= 0; i--) {
      Item item = items.get(i);
      if (seen.add(item.key())) {
        latest.add(item);
      }
    }
    Collections.reverse(latest);
    return latest;
  }

  /**
   * Up to this many mutations, each is compared in place with the later ones: no hash set and no
   * key copy per item (a round under a spread load has one or two mutations per vBucket).
   */
  private static final int SMALL_ROUND = 8;

  private static List<Item> latestPerKeySmall(List<Item> items) {
    ArrayList<Item> latest = new ArrayList<>(items.size());
    next:
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      for (int j = i + 1; j < items.size(); j++) {
        if (items.get(j).sameKey(item)) {
          continue next; // a later version follows
        }
      }
      latest.add(item);
    }
    return latest;
  }

  private int dirtyCount() {
    int n = 0;
    for (int i = 0; i < bucket.numVBuckets(); i++) {
      n += bucket.vbucket(i).dirtyCount();
    }
    return n;
  }

  /**
   * One round: takes every vBucket's dirty items and pending flush, keeps the latest version of
   * each key, and writes them in one durable batch: a flushed vBucket's stored items are deleted
   * first, then come its new items and its state. Deduplication happens here, on the storage
   * thread, not on the write path.
   *
   * @return items written
   */
  int flushOnce() {
    record Taken(VBucket vb, VBucket.Dirty dirty, List<Item> latest) {}
    List<Taken> taken = new ArrayList<>();
    long budget = maxBatchBytes;
    roundCut = false;
    int vbuckets = bucket.numVBuckets();
    for (int n = 0; n < vbuckets; n++) {
      int i = (firstVBucket + n) % vbuckets;
      VBucket vb = bucket.vbucket(i);
      VBucket.Dirty dirty = vb.dirty(MAX_PER_VBUCKET, budget, ITEM_OVERHEAD);
      if (!dirty.isEmpty()) {
        taken.add(new Taken(vb, dirty, latestPerKey(dirty.items())));
        for (Item item : dirty.items()) {
          budget -= item.keyLength() + item.valueLength() + ITEM_OVERHEAD;
        }
        if (budget <= 0) {
          // Full: the next round starts with the vBucket after this one (this one's rest waits
          // its turn), so that a vBucket written faster than a round takes cannot keep the others
          // waiting.
          firstVBucket = (i + 1) % vbuckets;
          roundCut = true;
          break;
        }
      }
    }
    if (taken.isEmpty()) {
      return 0;
    }
    int count = 0;
    long[] highs = highSeqnos.clone(); // installed once the batch is on disk
    StateOnDisk[] states = new StateOnDisk[taken.size()];
    try (BucketStore.Batch batch = store.flusherBatch()) {
      for (int i = 0; i < taken.size(); i++) {
        Taken t = taken.get(i);
        int vb = t.vb().id();
        if (t.dirty().emptyFirst()) {
          batch.deleteVBucketItems(vb);
        }
        for (Item item : t.latest()) {
          batch.put(vb, item);
        }
        highs[vb] = t.dirty().highSeqno();
        StateOnDisk state =
            new StateOnDisk(t.vb().state(), t.vb().purgeSeqno(), t.dirty().failoverLog());
        if (t.dirty().emptyFirst() || !state.equals(statesOnDisk[vb])) {
          batch.vbucket(vb, state.state(), highs[vb], state.purgeSeqno(), state.log());
          states[i] = state;
        }
      }
      batch.highSeqnos(highs);
      inFlight = batch.items();
      batch.commit();
      count = batch.items();
    } catch (RocksDBException | RuntimeException e) {
      // The items stay in the vBuckets' logs (the flusher's cursor did not move): retried as is.
      failedCommits.increment();
      if (!failing) {
        failing = true;
        bucket.refuseWrites("bucket storage is failing: " + e.getMessage());
        LOG.error(
            "bucket {}: cannot persist {} vBuckets' items ({}); writes get TMPFAIL until the disk"
                + " takes them, nothing acknowledged is dropped, retrying every second",
            bucket.name(),
            taken.size(),
            e.getMessage());
      }
      return 0;
    } finally {
      inFlight = 0;
    }
    System.arraycopy(highs, 0, highSeqnos, 0, highs.length);
    for (int i = 0; i < taken.size(); i++) {
      if (states[i] != null) {
        statesOnDisk[taken.get(i).vb().id()] = states[i];
      }
      taken.get(i).vb().persisted(taken.get(i).dirty());
    }
    persistedItems.add(count);
    commits.increment();
    if (failing) {
      failing = false;
      bucket.acceptWrites();
      LOG.info("bucket {}: persistence resumed, writes accepted again", bucket.name());
    }
    return count;
  }
}
