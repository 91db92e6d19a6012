package org.settee.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.kv.Item;
import org.settee.kv.ItemKey;
import org.settee.kv.StoreMode;
import org.settee.node.NodeOptions;
import org.settee.node.SetteeNode;
import org.settee.protocol.Datatype;
import org.settee.storage.BucketStorage;
import org.settee.storage.SeqnoScan;

/**
 * DCP throughput in one run, next to the storage engine's own rate (issue 5): a couchbase bucket on
 * a temporary node gets {@code items} keys, then
 *
 * <ol>
 *   <li><b>memory</b>: streams opened at seqno 0 before the load pin every mutation in the
 *       checkpoint logs; the client reads nothing until all is on disk, then drains them all;
 *   <li><b>raw</b>: after a restart (warmup leaves the logs empty), the disk is read the way a
 *       backfill reads it ({@link SeqnoScan}), in-process, with one thread and with {@link
 *       #RAW_THREADS}; one pass before the backfill and one after, added together;
 *   <li><b>backfill</b>: a DCP client streams every vBucket from 0 to its high seqno over TCP: all
 *       of it from disk, which the snapshot markers must confirm.
 * </ol>
 *
 * The raw rate with {@link #RAW_THREADS} threads is the reference: the most the engine delivers on
 * this machine, what a backfill could at best approach.
 *
 * <p>Every item must arrive exactly once in each DCP phase, or the run fails. {@code settee
 * bench-dcp} runs it; docs/benchmarks.md has figures.
 */
public final class DcpBench {
  static final String BUCKET = "bench";
  static final int VBUCKETS = 1024;

  /** Keys are {@code key-} and nine digits. */
  static final int KEY_LENGTH = 13;

  /**
   * A vBucket's checkpoint log holds this many entries for a reader before it drops the reader's
   * cursor (VBucket.LOG_CAPACITY): the memory phase stays under it, or it would measure a backfill.
   */
  static final int LOG_CAPACITY = 20_000;

  /**
   * Threads of the raw scan at full speed: as many as the node's backfill executor has, and as this
   * machine has cores; one DCP connection runs at most two backfills at once too.
   */
  static final int RAW_THREADS = 2;

  /** The DCP flow-control window, as the official Java DCP client is often configured. */
  static final long BUFFER_SIZE = 10L << 20;

  /**
   * What one run measured. The rates of {@code memory} leave out what the producer queued before
   * the client read; {@code backfillItems} and {@code memoryItems} are all items each stream
   * delivered (each exactly once, or the run fails).
   */
  public record Result(
      int items,
      int valueSize,
      Throughput load,
      Throughput rawOneThread,
      Throughput raw,
      Throughput backfill,
      Throughput memory,
      long backfillItems,
      long memoryItems,
      long diskMarkers,
      long memoryMarkers) {
    public double backfillVsRaw() {
      return backfill.itemsPerSecond() / raw.itemsPerSecond();
    }

    public double memoryVsRaw() {
      return memory.itemsPerSecond() / raw.itemsPerSecond();
    }
  }

  private final int items;
  private final int valueSize;
  private final PrintStream log;

  public DcpBench(int items, int valueSize, PrintStream log) {
    if (items < 1 || valueSize < 0) {
      throw new IllegalArgumentException("items must be >= 1 and value size >= 0");
    }
    this.items = items;
    this.valueSize = valueSize;
    this.log = log;
  }

  public Result run() throws IOException, InterruptedException {
    long[] perVBucket = perVBucketCounts();
    checkFitsInLogs(perVBucket);
    Path dir = Files.createTempDirectory("settee-dcp-bench");
    try {
      Throughput load;
      StreamTally memory = new StreamTally("memory stream", perVBucket, StreamTally.MARKER_MEMORY);
      try (SetteeNode node = new SetteeNode(options(dir)).start()) {
        load = loadAndStreamFromMemory(node, memory);
      }
      try (SetteeNode node = new SetteeNode(options(dir)).start()) {
        expectEmptyLogs(node.buckets().get(BUCKET));
        BucketStorage storage = node.storage(BUCKET);
        // Untimed: the first pass after a reopen runs at about half speed (JIT, caches).
        rawScan(storage, RAW_THREADS);
        Throughput rawOne = rawScan(storage, 1);
        Throughput raw = rawScan(storage, RAW_THREADS);
        StreamTally backfill = streamFromDisk(node, perVBucket);
        // Raw passes before and after the backfill, added: drift on a shared machine cancels out.
        rawOne = rawOne.plus(rawScan(storage, 1));
        raw = raw.plus(rawScan(storage, RAW_THREADS));
        Result result =
            new Result(
                items,
                valueSize,
                load,
                rawOne,
                raw,
                backfill.measured(),
                memory.measured(),
                backfill.items(),
                memory.items(),
                backfill.markers(),
                memory.markers());
        print(result);
        return result;
      }
    } finally {
      deleteRecursively(dir);
    }
  }

  private static void checkFitsInLogs(long[] perVBucket) {
    long most = 0;
    for (long n : perVBucket) {
      most = Math.max(most, n);
    }
    if (most > LOG_CAPACITY) {
      throw new BenchFailure(
          "vBucket with "
              + most
              + " items: the checkpoint log holds "
              + LOG_CAPACITY
              + " per vBucket, so the memory phase would backfill; use fewer items");
    }
  }

  /**
   * Opens a stream per vBucket of a new bucket, loads it while the client reads nothing, waits
   * until all is on disk (so the flusher is quiet), then drains the streams into {@code tally}.
   *
   * @return the load's rate
   */
  private Throughput loadAndStreamFromMemory(SetteeNode node, StreamTally tally)
      throws InterruptedException {
    Bucket bucket =
        node.createBucket(new BucketSettings(BUCKET, BucketType.COUCHBASE, 8192, VBUCKETS, false));
    Throughput load;
    try (DcpBenchClient client = connect(node, "settee-bench-memory")) {
      // Fresh vBuckets: each stream's cursor sits at seqno 1 of its log before any write, and
      // pins every mutation there until the stream has sent it.
      client.requestStreams(tally.endSeqnos(), tally);
      load = loadAndPersist(bucket, node.storage(BUCKET));
      // What the producer sent before the client read anything is left out of the rate.
      tally.startClockAfter(BUFFER_SIZE);
      client.drain(tally);
    }
    log.printf(
        "memory: %,d items streamed from the checkpoint logs in %,d memory snapshots%n",
        tally.items(), tally.markers());
    return load;
  }

  /** Streams every vBucket from 0 to its high seqno; after a restart, all of it is on disk only. */
  private StreamTally streamFromDisk(SetteeNode node, long[] perVBucket) {
    StreamTally backfill;
    try (DcpBenchClient client = connect(node, "settee-bench-backfill")) {
      long[] high = client.highSeqnos(VBUCKETS);
      if (!Arrays.equals(high, perVBucket)) {
        throw new BenchFailure("high seqnos after the restart differ from what was written");
      }
      backfill = new StreamTally("backfill stream", high, StreamTally.MARKER_DISK);
      backfill.startClock();
      client.requestStreams(high, backfill);
      client.drain(backfill);
    }
    log.printf(
        "backfill: %,d items streamed from disk in %,d disk snapshots%n",
        backfill.items(), backfill.markers());
    return backfill;
  }

  private static NodeOptions options(Path dir) {
    return NodeOptions.forTests(dir);
  }

  private static DcpBenchClient connect(SetteeNode node, String name) {
    NodeOptions o = node.options();
    DcpBenchClient client =
        DcpBenchClient.connect(
            o.bindHost(), node.kvPort(), o.adminUsername(), o.adminPassword(), BUCKET);
    try {
      client.openProducer(name, BUFFER_SIZE);
      return client;
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** The bench's keys: {@code key-000000042}. */
  static byte[] key(int i) {
    byte[] k = {'k', 'e', 'y', '-', '0', '0', '0', '0', '0', '0', '0', '0', '0'};
    for (int at = KEY_LENGTH - 1, v = i; v > 0; at--, v /= 10) {
      k[at] = (byte) ('0' + v % 10);
    }
    return k;
  }

  /** How many items each vBucket gets: its high seqno after the load (each key written once). */
  private long[] perVBucketCounts() {
    VBucketHash hash = new VBucketHash(VBUCKETS);
    long[] n = new long[VBUCKETS];
    for (int i = 0; i < items; i++) {
      n[hash.vbucket(key(i), KEY_LENGTH)]++;
    }
    return n;
  }

  /** Set-only load through the bucket API, one thread; returns the time until all is on disk. */
  private Throughput loadAndPersist(Bucket bucket, BucketStorage storage)
      throws InterruptedException {
    VBucketHash hash = new VBucketHash(VBUCKETS);
    byte[] value = new byte[valueSize];
    new Random(42).nextBytes(value);
    long start = System.nanoTime();
    for (int i = 0; i < items; i++) {
      byte[] k = key(i);
      bucket
          .vbucket(hash.vbucket(k, KEY_LENGTH))
          .store(StoreMode.SET, new ItemKey(k), value, 0, 0, Datatype.RAW, 0, false);
    }
    long written = System.nanoTime();
    while (!allPersisted(bucket, storage)) {
      TimeUnit.MILLISECONDS.sleep(2);
    }
    long persisted = System.nanoTime();
    log.printf(
        "load: %,d items of %d bytes written in %.2f s (%,.0f items/s), on disk after %.2f s%n",
        items,
        valueSize,
        (written - start) / 1e9,
        items / ((written - start) / 1e9),
        (persisted - start) / 1e9);
    return new Throughput(items, (long) items * (KEY_LENGTH + valueSize), 0, written - start);
  }

  private static boolean allPersisted(Bucket bucket, BucketStorage storage) {
    if (storage.diskQueueSize() > 0) {
      return false;
    }
    for (int i = 0; i < bucket.numVBuckets(); i++) {
      if (bucket.vbucket(i).persistedSeqno() < bucket.vbucket(i).highSeqno()) {
        return false;
      }
    }
    return true;
  }

  /** After warmup nothing is in the logs, so a stream from 0 can only be served from disk. */
  private static void expectEmptyLogs(Bucket bucket) {
    for (int i = 0; i < bucket.numVBuckets(); i++) {
      if (bucket.vbucket(i).logSize() != 0) {
        throw new BenchFailure(
            "vBucket " + i + " holds " + bucket.vbucket(i).logSize() + " log entries after warmup");
      }
    }
  }

  /**
   * Reads every vBucket's seqno index and items the way a backfill does ({@link SeqnoScan}, chunks
   * of 1,000), the vBuckets split into {@code threads} contiguous ranges, one thread each.
   */
  private Throughput rawScan(BucketStorage storage, int threads) throws InterruptedException {
    long[][] counts = new long[threads][2];
    List<Thread> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int from = VBUCKETS * t / threads;
      int to = VBUCKETS * (t + 1) / threads;
      long[] count = counts[t];
      workers.add(Thread.ofPlatform().start(() -> scan(storage, from, to, count)));
    }
    for (Thread w : workers) {
      w.join();
    }
    long nanos = System.nanoTime() - start;
    long n = 0;
    long bytes = 0;
    for (long[] c : counts) {
      n += c[0];
      bytes += c[1];
    }
    if (n != items) {
      throw new BenchFailure("the raw scan read " + n + " items, " + items + " were written");
    }
    return new Throughput(n, bytes, 0, nanos);
  }

  /** Scans vBuckets [from, to); adds items and key + value bytes to {@code count}. */
  private static void scan(BucketStorage storage, int from, int to, long[] count) {
    List<Item> chunk = new ArrayList<>();
    for (int vb = from; vb < to; vb++) {
      try (SeqnoScan scan = storage.openScan(vb, 1, Long.MAX_VALUE)) {
        boolean more = true;
        while (more) {
          chunk.clear();
          more = scan.read(1_000, 1 << 20, chunk);
          for (Item item : chunk) {
            count[0]++;
            count[1] += item.keyLength() + item.valueLength();
          }
        }
      }
    }
  }

  private void print(Result r) {
    log.println();
    log.printf(
        "DCP throughput: %,d items, %d-byte keys, %d-byte values, %d vBuckets;"
            + " MB = 10^6 bytes of key + value (wire: whole DCP frames)%n",
        r.items(), KEY_LENGTH, r.valueSize(), VBUCKETS);
    log.printf(
        "%-42s %10s %8s %12s %9s %10s %8s%n",
        "phase", "items", "seconds", "items/s", "MB/s", "wire MB/s", "vs raw");
    row("load: bucket API, 1 thread (not DCP)", r.load(), Double.NaN);
    row(
        "raw: SeqnoScan, 1 thread",
        r.rawOneThread(),
        r.rawOneThread().itemsPerSecond() / r.raw().itemsPerSecond());
    row("raw: SeqnoScan, " + RAW_THREADS + " threads", r.raw(), 1.0);
    row("DCP backfill: disk, TCP", r.backfill(), r.backfillVsRaw());
    row("DCP memory: checkpoint logs, TCP", r.memory(), r.memoryVsRaw());
    log.printf(
        "backfill / raw = %.2f (goal >= 0.50: %s); against raw with 1 thread: %.2f%n",
        r.backfillVsRaw(),
        r.backfillVsRaw() >= 0.5 ? "met" : "NOT met",
        r.backfill().itemsPerSecond() / r.rawOneThread().itemsPerSecond());
  }

  private void row(String name, Throughput t, double vsRaw) {
    log.printf(
        "%-42s %,10d %8.2f %,12.0f %9.1f %10s %8s%n",
        name,
        t.items(),
        t.seconds(),
        t.itemsPerSecond(),
        t.payloadMBPerSecond(),
        t.wireBytes() == 0 ? "-" : String.format("%.1f", t.wireMBPerSecond()),
        Double.isNaN(vsRaw) ? "-" : String.format("%.2f", vsRaw));
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
