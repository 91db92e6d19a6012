package org.settee.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.kv.ItemKey;
import org.settee.kv.StoreMode;
import org.settee.node.SetteeNode;
import org.settee.protocol.Datatype;
import org.settee.storage.BucketStorage;

/**
 * What persistence costs per mutation under a steady write load, in-process: sets at a fixed rate
 * over a key space (no network, no load generator on the cores), and the CPU the bucket's storage
 * threads spend per set: the flusher (batching, RocksDB's memtable inserts, the write-ahead log,
 * fsync) and RocksDB's own threads (memtable flushes, compactions). On a machine whose cores also
 * serve the requests, that CPU is what persistence takes from throughput. {@code settee
 * bench-flusher} runs it; docs/benchmarks.md has figures.
 */
public final class SteadyWriteBench {
  /** What one run measured, per set of the timed phase. */
  public record Result(
      long sets, double flusherMicrosPerSet, double rocksDbMicrosPerSet, long batches) {
    public double storageMicrosPerSet() {
      return flusherMicrosPerSet + rocksDbMicrosPerSet;
    }
  }

  private static final String FLUSHER = "flusher";
  private static final String EMBEDDED_DEFAULT_BUCKET = "default";
  private static final String ROCKSDB = "rocksdb";

  private final int rate;
  private final int keys;
  private final int valueSize;
  private final int warmupSeconds;
  private final int seconds;
  private final PrintStream log;

  public SteadyWriteBench(
      int rate, int keys, int valueSize, int warmupSeconds, int seconds, PrintStream log) {
    if (rate <= 0 || keys <= 0 || valueSize < 0 || warmupSeconds < 0 || seconds <= 0) {
      throw new IllegalArgumentException(
          "rate, keys and seconds must be positive, value size and warm-up not negative");
    }
    this.rate = rate;
    this.keys = keys;
    this.valueSize = valueSize;
    this.warmupSeconds = warmupSeconds;
    this.seconds = seconds;
    this.log = log;
  }

  public Result run() throws Exception {
    Path dir = Files.createTempDirectory("settee-flusher-bench");
    try (SetteeNode node = new SetteeNode(InProcessNodes.options(dir)).start()) {
      // Linux keeps 15 characters of a thread's name: every bucket's flusher reads as
      // "settee-flusher-", so no other bucket may run beside the bench's.
      node.deleteBucket(EMBEDDED_DEFAULT_BUCKET);
      Bucket bucket =
          node.createBucket(new BucketSettings("bench", BucketType.COUCHBASE, 8192, 1024, false));
      BucketStorage storage = node.storage("bench");
      Writer writer = new Writer(bucket);
      for (int i = 0; i < keys; i++) {
        writer.set(i);
      }
      InProcessNodes.awaitDrained(storage);
      writer.steady(warmupSeconds);
      Map<String, Long> before = storageCpu();
      long batchesBefore = storage.commits();
      long sets = writer.steady(seconds);
      InProcessNodes.awaitDrained(storage);
      Map<String, Long> after = storageCpu();
      Result r =
          new Result(
              sets,
              micros(after, before, FLUSHER, sets),
              micros(after, before, ROCKSDB, sets),
              storage.commits() - batchesBefore);
      log.printf(
          "steady writes: %,d sets at %,d/s over %,d keys of %d bytes: storage CPU %.2f us per set"
              + " (flusher %.2f, RocksDB's threads %.2f); %,d batches of %,.0f sets on average%n",
          r.sets(),
          rate,
          keys,
          valueSize,
          r.storageMicrosPerSet(),
          r.flusherMicrosPerSet(),
          r.rocksDbMicrosPerSet(),
          r.batches(),
          r.batches() == 0 ? 0.0 : (double) r.sets() / r.batches());
      return r;
    } finally {
      InProcessNodes.deleteRecursively(dir);
    }
  }

  private static Map<String, Long> storageCpu() {
    return ThreadCpu.byGroup(
        name ->
            name.startsWith("settee-flusher")
                ? FLUSHER
                : name.startsWith("rocksdb") ? ROCKSDB : null);
  }

  private static double micros(
      Map<String, Long> after, Map<String, Long> before, String group, long sets) {
    long nanos = after.getOrDefault(group, 0L) - before.getOrDefault(group, 0L);
    return sets == 0 ? 0 : nanos / 1_000.0 / sets;
  }

  /** Sets random keys of the key space at the bench's rate, from the calling thread. */
  private final class Writer {
    private final Bucket bucket;
    private final byte[][] keyBytes = new byte[keys][];
    private final int[] vbuckets = new int[keys];
    private final byte[] value = new byte[valueSize];
    private final Random random = new Random(42);

    Writer(Bucket bucket) {
      this.bucket = bucket;
      VBucketHash hash = new VBucketHash(bucket.numVBuckets());
      for (int i = 0; i < keys; i++) {
        keyBytes[i] = InProcessNodes.key(i);
        vbuckets[i] = hash.vbucket(keyBytes[i], keyBytes[i].length);
      }
      random.nextBytes(value);
    }

    void set(int i) {
      bucket
          .vbucket(vbuckets[i])
          .store(
              StoreMode.SET, new ItemKey(keyBytes[i]), value.clone(), 0, 0, Datatype.RAW, 0, false);
    }

    /** Sets at the rate for {@code durationSeconds}, paced every half millisecond. */
    long steady(int durationSeconds) throws InterruptedException {
      long total = (long) rate * durationSeconds;
      long start = System.nanoTime();
      long n = 0;
      while (n < total) {
        long due = Math.min(total, (System.nanoTime() - start) * rate / 1_000_000_000L);
        for (; n < due; n++) {
          set(random.nextInt(keys));
        }
        TimeUnit.MICROSECONDS.sleep(500);
      }
      return n;
    }
  }
}
