package org.settee.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.kv.ItemKey;
import org.settee.kv.StoreMode;
import org.settee.node.SetteeNode;
import org.settee.protocol.Datatype;
import org.settee.storage.BucketStorage;

/**
 * Measures the storage side in-process, without the network in the way: how fast the flusher
 * persists a set-only load, how fast warmup loads it back, and how much memory an item costs beyond
 * its key and value. {@code settee bench-storage} runs it; docs/benchmarks.md has figures.
 */
public final class StorageBench {
  /** What one run measured. */
  public record Result(
      long items,
      double persistedPerSecond,
      double warmupPerSecond,
      double bytesPerItemBeyondKeyAndValue) {}

  private final int items;
  private final int valueSize;
  private final PrintStream log;

  public StorageBench(int items, int valueSize, PrintStream log) {
    this.items = items;
    this.valueSize = valueSize;
    this.log = log;
  }

  public Result run() throws Exception {
    Path dir = Files.createTempDirectory("settee-storage-bench");
    try {
      double persisted = persistAndWarmup(dir);
      double warmup = warmupRate(dir);
      double overhead = memoryPerItem(Files.createTempDirectory(dir, "mem"));
      return new Result(items, persisted, warmup, overhead);
    } finally {
      InProcessNodes.deleteRecursively(dir);
    }
  }

  private void load(Bucket bucket) {
    VBucketHash hash = new VBucketHash(bucket.numVBuckets());
    byte[] value = new byte[valueSize];
    new Random(42).nextBytes(value);
    for (int i = 0; i < items; i++) {
      byte[] k = InProcessNodes.key(i);
      bucket
          .vbucket(hash.vbucket(k, k.length))
          .store(StoreMode.SET, new ItemKey(k), value.clone(), 0, 0, Datatype.RAW, 0, false);
    }
  }

  /** Set-only load into a couchbase bucket; items/s from the first write until all are on disk. */
  private double persistAndWarmup(Path dir) throws InterruptedException {
    try (SetteeNode node = new SetteeNode(InProcessNodes.options(dir)).start()) {
      Bucket bucket =
          node.createBucket(new BucketSettings("bench", BucketType.COUCHBASE, 8192, 1024, false));
      BucketStorage storage = node.storage("bench");
      long start = System.nanoTime();
      load(bucket);
      long loaded = System.nanoTime();
      InProcessNodes.awaitDrained(storage);
      double seconds = (System.nanoTime() - start) / 1e9;
      log.printf(
          "persist: %,d items of %d bytes written in %.2f s and on disk after %.2f s = %,.0f items/s%n",
          items, valueSize, (loaded - start) / 1e9, seconds, items / seconds);
      return items / seconds;
    }
  }

  private double warmupRate(Path dir) {
    try (SetteeNode node = new SetteeNode(InProcessNodes.options(dir)).start()) {
      var warmup = node.storage("bench").warmup();
      log.printf(
          "warmup: %,d items in %d ms (%d ms of them opening the store) = %,.0f items/s%n",
          warmup.items(), warmup.millis(), warmup.openMillis(), warmup.itemsPerSecond());
      return warmup.itemsPerSecond();
    }
  }

  /** Heap growth per item in an ephemeral bucket, minus the key and value bytes. */
  private double memoryPerItem(Path dir) {
    try (SetteeNode node = new SetteeNode(InProcessNodes.options(dir)).start()) {
      Bucket bucket =
          node.createBucket(new BucketSettings("mem", BucketType.EPHEMERAL, 8192, 1024, false));
      long before = usedHeap();
      load(bucket);
      long after = usedHeap();
      double perItem = (after - before) / (double) items;
      double payload = InProcessNodes.key(0).length + valueSize;
      log.printf(
          "memory: %,.1f bytes per item, %,.1f beyond key (%d) and value (%d)%n",
          perItem, perItem - payload, InProcessNodes.key(0).length, valueSize);
      return perItem - payload;
    }
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }
}
