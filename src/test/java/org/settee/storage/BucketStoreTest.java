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

/** The store's seqno-index compaction, step by step. */
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
}
