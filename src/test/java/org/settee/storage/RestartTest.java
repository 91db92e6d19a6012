package org.settee.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.kv.ItemKey;
import org.settee.kv.StoreMode;
import org.settee.protocol.Datatype;
import org.settee.testing.EmbeddedNode;
import org.settee.util.Clock;

/** What a restart finds on disk after a clean close, and what it does with a damaged file. */
class RestartTest {
  private static final int ITEMS = 1000;
  private static final int VALUE_SIZE = 2048;

  @TempDir Path dir;

  private static Bucket bucket() {
    return new Bucket(new BucketSettings("b", BucketType.COUCHBASE, 100, 16, true), Clock.SYSTEM);
  }

  /** Writes {@link #ITEMS} incompressible values, waits until they are on disk, closes cleanly. */
  private void writeAndCloseCleanly() {
    Bucket bucket = bucket();
    BucketStorage storage = BucketStorage.open(dir, bucket, Runnable::run);
    Random random = new Random(7);
    for (int i = 0; i < ITEMS; i++) {
      byte[] value = new byte[VALUE_SIZE];
      random.nextBytes(value);
      byte[] key = ("doc-" + i).getBytes(StandardCharsets.US_ASCII);
      bucket
          .vbucket(i % bucket.numVBuckets())
          .store(StoreMode.SET, new ItemKey(key), value, 0, 0, Datatype.RAW, 0, false);
    }
    assertThat(EmbeddedNode.await(Duration.ofSeconds(30), () -> storage.diskQueueSize() == 0))
        .isTrue();
    storage.close();
  }

  @Test
  void aCleanCloseLeavesNoWriteAheadLogForTheNextStartToReplay() {
    writeAndCloseCleanly();

    // The memtables went to table files: the log holds only what came after (a few records),
    // not the 2 MB of values, which a start would otherwise replay before serving.
    assertThat(StoreFiles.bytes(dir, ".log")).isLessThan(64 << 10);
    assertThat(StoreFiles.bytes(dir, ".sst")).isGreaterThan((long) ITEMS * VALUE_SIZE);

    Bucket restarted = bucket();
    try (BucketStorage storage = BucketStorage.open(dir, restarted, Runnable::run)) {
      assertThat(storage.warmup().items()).isEqualTo(ITEMS);
      assertThat(storage.warmup().uncleanShutdown()).isFalse();
    }
  }

  @Test
  void aDamagedTableFileStopsWarmupInsteadOfLeavingItemsOut() throws IOException {
    writeAndCloseCleanly();
    Path largest =
        StoreFiles.ofKind(dir, ".sst")
            .max(Comparator.comparingLong(p -> p.toFile().length()))
            .orElseThrow();
    // Overwrites bytes inside the first data blocks; the footer and index at the end stay whole,
    // so the store opens and only reading the items finds the damage.
    try (RandomAccessFile file = new RandomAccessFile(largest.toFile(), "rw")) {
      file.seek(100);
      file.write(new byte[256]);
    }

    assertThatThrownBy(() -> BucketStorage.open(dir, bucket(), Runnable::run))
        .isInstanceOf(CorruptStorageException.class)
        .hasMessageContaining("cannot read the items");
  }

  @Test
  void compactionsHeldForWarmupRunAgainOnceTheBucketServes() {
    Bucket bucket = bucket();
    try (BucketStorage storage = BucketStorage.open(dir, bucket, Runnable::run)) {
      // 128 values of 1 MiB: the key index's 16 MiB memtable goes to a new level-0 file about
      // every 16; past 4 such files RocksDB compacts them, but only if compactions were let go.
      byte[] value = new byte[1 << 20];
      Random random = new Random(11);
      for (int i = 0; i < 128; i++) {
        random.nextBytes(value);
        byte[] key = ("big-" + i).getBytes(StandardCharsets.US_ASCII);
        bucket
            .vbucket(i % bucket.numVBuckets())
            .store(StoreMode.SET, new ItemKey(key), value.clone(), 0, 0, Datatype.RAW, 0, false);
        assertThat(EmbeddedNode.await(Duration.ofSeconds(30), () -> storage.diskQueueSize() == 0))
            .isTrue();
      }
      assertThat(
              EmbeddedNode.await(Duration.ofSeconds(30), () -> storage.keyIndexLevel0Files() < 4))
          .as("key index files at level 0: %d", storage.keyIndexLevel0Files())
          .isTrue();
    }
  }

  @Test
  void anInterruptedWarmupStopsItsWorkersBeforeTheStoreCanBeClosed() {
    writeAndCloseCleanly();
    try (BucketStore store = BucketStore.open(dir)) {
      Warmup warmup = new Warmup(bucket(), store, System.nanoTime());
      Thread.currentThread().interrupt(); // as a caller's thread interrupted mid-start
      try {
        assertThatThrownBy(warmup::run).hasMessageContaining("interrupted during warmup");
        assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
      } finally {
        Thread.interrupted();
      }
      // The store is closed next (try-with-resources): no worker may still be reading it.
      assertThat(Thread.getAllStackTraces().keySet())
          .noneMatch(t -> t.getName().startsWith("settee-warmup-b-") && t.isAlive());
    }
  }
}
