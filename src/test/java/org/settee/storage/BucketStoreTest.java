package org.settee.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;
import org.settee.kv.Item;
import org.settee.kv.ItemKey;
import org.settee.kv.VBucketState;

/** The store's seqno-index compaction, step by step, and its write-ahead log's bound. */
class BucketStoreTest {
  @TempDir Path dir;

  private static Item version(String key, long seqno) {
    return new Item(ItemKey.of(key), new byte[] {'v'}, 0, seqno, 0, 0, seqno, seqno, false, 0);
  }

  /** Each item in a batch of its own, as successive flusher rounds write them. */
  private static void persist(BucketStore store, int vb, Item item) throws RocksDBException {
    try (BucketStore.Batch batch = store.batch()) {
      batch.put(vb, item);
      batch.vbucket(vb, VBucketState.ACTIVE, item.bySeqno(), 0, List.of());
      batch.commit();
    }
  }

  @Test
  void staleSeqnoEntriesGoInBoundedStepsAcrossVBucketsAndCurrentOnesStay() throws Exception {
    try (BucketStore store = BucketStore.open(dir)) {
      for (long seqno = 1; seqno <= 3; seqno++) {
        persist(store, 0, version("a", seqno));
      }
      persist(store, 0, version("b", 4));
      persist(store, 1, version("c", 1));
      persist(store, 1, version("c", 2));
      assertThat(store.seqnoIndexEntries()).isEqualTo(6);

      // vb 0: a@1, a@2 stale; a@3, b@4 current; vb 1: c@1 stale, c@2 current.
      List<Integer> removedPerStep = new java.util.ArrayList<>();
      byte[] from = StorageLayout.seqnoKey(0, 0);
      while (from != null) {
        BucketStore.SeqnoSweep step = store.removeStaleSeqnos(from, 2);
        removedPerStep.add(step.removed());
        from = step.next();
      }
      assertThat(removedPerStep).containsExactly(2, 0, 1);
      assertThat(store.seqnoIndexEntries()).isEqualTo(3);
      try (SeqnoScan scan = store.openScan(0, 0, Long.MAX_VALUE)) {
        List<Item> out = new java.util.ArrayList<>();
        scan.read(100, Long.MAX_VALUE, out);
        assertThat(out).extracting(Item::bySeqno).containsExactly(3L, 4L);
      }
    }
  }

  @Test
  void aRarelyWrittenColumnFamilyDoesNotKeepTheWholeWriteAheadLogAlive() throws Exception {
    try (BucketStore store = BucketStore.open(dir)) {
      // One vBucket-state write, then 160 MB of items and no state write after it: unbounded, the
      // log would keep all of it for the state's sake, and a start after a crash would replay it.
      try (BucketStore.Batch batch = store.batch()) {
        batch.vbucket(0, VBucketState.ACTIVE, 0, 0, List.of());
        batch.commit();
      }
      byte[] value = new byte[1 << 20];
      java.util.Random random = new java.util.Random(3);
      for (int i = 1; i <= 160; i++) {
        random.nextBytes(value); // incompressible, so the log is as large as the values
        Item item = new Item(ItemKey.of("doc-" + i), value.clone(), 0, i, 0, 0, i, i, false, 0);
        try (BucketStore.Batch batch = store.batch()) {
          batch.put(1, item);
          batch.commit();
        }
      }
      assertThat(
              org.settee.testing.EmbeddedNode.await(
                  java.time.Duration.ofSeconds(30),
                  () -> StoreFiles.bytes(dir, ".log") < 96L << 20))
          .as("write-ahead log bytes: %d", StoreFiles.bytes(dir, ".log"))
          .isTrue();
    }
  }
}
