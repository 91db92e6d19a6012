package org.settee.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ReadOptions;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.kv.Item;
import org.settee.kv.ItemKey;
import org.settee.kv.StoreMode;
import org.settee.kv.VBucket;
import org.settee.protocol.Datatype;
import org.settee.util.Clock;

/** The flusher's rounds, run one at a time on the test's thread (its own thread never starts). */
class FlusherTest {
  @TempDir Path dir;

  private static Bucket bucket() {
    return new Bucket(new BucketSettings("b", BucketType.COUCHBASE, 100, 4, true), Clock.SYSTEM);
  }

  private static void set(VBucket vb, String key, String value) {
    vb.store(
        StoreMode.SET,
        ItemKey.of(key),
        value.getBytes(StandardCharsets.UTF_8),
        0,
        0,
        Datatype.RAW,
        0,
        false);
  }

  private static Item item(String key, long seqno) {
    return new Item(ItemKey.of(key), new byte[] {'v'}, 0, seqno, 0, 0, seqno, seqno, false, 0);
  }

  @Test
  void theLatestVersionOfEachKeyIsKeptInSeqnoOrder() {
    List<Item> small = List.of(item("a", 1), item("b", 2), item("a", 3), item("c", 4));
    assertThat(Flusher.latestPerKey(small)).extracting(Item::bySeqno).containsExactly(2L, 3L, 4L);

    List<Item> large = new ArrayList<>();
    for (int seqno = 1; seqno <= 40; seqno++) {
      large.add(item("k" + (seqno % 10), seqno)); // k1..k9, k0, then again: 31..40 are the last
    }
    assertThat(Flusher.latestPerKey(large))
        .extracting(Item::bySeqno)
        .containsExactly(31L, 32L, 33L, 34L, 35L, 36L, 37L, 38L, 39L, 40L);
  }

  @Test
  void aVBucketRecordIsRewrittenOnlyWhenMoreThanItsHighSeqnoChangedYetReadersSeeEverySeqno()
      throws Exception {
    Bucket bucket = bucket();
    try (BucketStore store = BucketStore.open(dir)) {
      new Warmup(bucket, store, System.nanoTime()).run();
      Flusher flusher = new Flusher(bucket, store);
      VBucket vb = bucket.vbucket(1);
      vb.trackDirty(() -> {});
      for (int i = 1; i <= 3; i++) {
        set(vb, "doc-" + i, "v" + i);
        assertThat(flusher.flushOnce()).isEqualTo(1);
      }
      assertThat(vb.persistedSeqno()).isEqualTo(3);
      try (ReadOptions now = new ReadOptions()) {
        StorageLayout.VBucketRecord record = store.vbucketRecord(1, now);
        // Written by the first round only: nothing but the high seqno changed since.
        assertThat(record.highSeqno()).isEqualTo(1);
        assertThat(store.persistedHighSeqno(1, record, now)).isEqualTo(3);
      }
      try (SeqnoScan scan = store.openScan(1, 0, Long.MAX_VALUE)) {
        List<Item> out = new ArrayList<>();
        scan.read(100, Long.MAX_VALUE, out);
        assertThat(scan.snapshotEnd()).isEqualTo(3);
        assertThat(out).extracting(Item::bySeqno).containsExactly(1L, 2L, 3L);
      }

      // A flush changes the failover log: its record is written again, with it.
      vb.flush();
      set(vb, "after-flush", "x");
      flusher.flushOnce();
      try (ReadOptions now = new ReadOptions()) {
        StorageLayout.VBucketRecord record = store.vbucketRecord(1, now);
        assertThat(record.highSeqno()).isEqualTo(4);
        assertThat(record.failoverLog()).isEqualTo(vb.failoverLog().entries());
      }
      set(vb, "after-flush", "y");
      flusher.flushOnce();
      // No clean close: the next open sees the store as after a crash.
    }

    Bucket restarted = bucket();
    try (BucketStore store = BucketStore.open(dir)) {
      Warmup.Result result = new Warmup(restarted, store, System.nanoTime()).run();
      assertThat(result.uncleanShutdown()).isTrue();
      VBucket vb = restarted.vbucket(1);
      assertThat(vb.highSeqno()).isEqualTo(5);
      assertThat(vb.persistedSeqno()).isEqualTo(5);
      try (ReadOptions now = new ReadOptions()) {
        // Warmup writes every record exact.
        assertThat(store.vbucketRecord(1, now).highSeqno()).isEqualTo(5);
      }
    }
  }

  @Test
  void aDocumentLargerThanTheScratchBufferAndTheSmallOnesAfterItComeBackWhole() throws Exception {
    Bucket bucket = bucket();
    byte[] large = new byte[3 << 20]; // past the buffer kept between rounds
    new java.util.Random(7).nextBytes(large);
    try (BucketStore store = BucketStore.open(dir)) {
      new Warmup(bucket, store, System.nanoTime()).run();
      Flusher flusher = new Flusher(bucket, store);
      VBucket vb = bucket.vbucket(2);
      vb.trackDirty(() -> {});
      vb.store(StoreMode.SET, ItemKey.of("large"), large, 0, 0, Datatype.RAW, 0, false);
      set(vb, "small-1", "a");
      assertThat(flusher.flushOnce()).isEqualTo(2);
      set(vb, "small-2", "b");
      assertThat(flusher.flushOnce()).isEqualTo(1);
    }
    Bucket restarted = bucket();
    try (BucketStore store = BucketStore.open(dir)) {
      new Warmup(restarted, store, System.nanoTime()).run();
      VBucket vb = restarted.vbucket(2);
      assertThat(vb.get(ItemKey.of("large")).item().value()).isEqualTo(large);
      assertThat(vb.get(ItemKey.of("small-1")).item().value())
          .isEqualTo("a".getBytes(StandardCharsets.UTF_8));
      assertThat(vb.get(ItemKey.of("small-2")).item().value())
          .isEqualTo("b".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aBacklogIsWrittenInRoundsOfBoundedSizeTakingEveryVBucketInTurn() throws Exception {
    Bucket bucket = bucket(); // 4 vBuckets
    long budget = 10_000;
    byte[] value = new byte[1_000];
    try (BucketStore store = BucketStore.open(dir)) {
      new Warmup(bucket, store, System.nanoTime()).run();
      Flusher flusher = new Flusher(bucket, store, budget);
      for (int v = 0; v < 4; v++) {
        VBucket vb = bucket.vbucket(v);
        vb.trackDirty(() -> {});
        for (int i = 0; i < 25; i++) { // 25 KB per vBucket, 100 KB in all
          vb.store(StoreMode.SET, ItemKey.of("doc-" + i), value, 0, 0, Datatype.RAW, 0, false);
        }
      }
      List<Integer> rounds = new ArrayList<>();
      for (int written; (written = flusher.flushOnce()) > 0; ) {
        rounds.add(written);
        // A round stops at the first item that reaches the budget.
        assertThat(written).isLessThanOrEqualTo(10);
        assertThat(rounds).as("rounds so far").hasSizeLessThan(20);
      }
      assertThat(rounds.stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
      for (int v = 0; v < 4; v++) {
        assertThat(bucket.vbucket(v).persistedSeqno()).as("vb " + v).isEqualTo(25);
      }
    }
    Bucket restarted = bucket();
    try (BucketStore store = BucketStore.open(dir)) {
      new Warmup(restarted, store, System.nanoTime()).run();
      for (int v = 0; v < 4; v++) {
        assertThat(restarted.vbucket(v).get(ItemKey.of("doc-24")).item().value())
            .as("vb " + v)
            .isEqualTo(value);
      }
    }
  }

  @Test
  void theRoundsTakeTheVBucketsInTurnUnderABacklog() throws Exception {
    Bucket bucket = bucket(); // 4 vBuckets
    byte[] value = new byte[1_000];
    try (BucketStore store = BucketStore.open(dir)) {
      new Warmup(bucket, store, System.nanoTime()).run();
      Flusher flusher = new Flusher(bucket, store, 5_000);
      for (int v = 0; v < 4; v++) {
        VBucket vb = bucket.vbucket(v);
        vb.trackDirty(() -> {});
        for (int i = 0; i < 20; i++) {
          vb.store(StoreMode.SET, ItemKey.of("doc-" + i), value, 0, 0, Datatype.RAW, 0, false);
        }
      }
      // vBucket 0 gets a round's worth of writes after every round: the others still get their
      // turn.
      for (int round = 0; round < 30 && bucket.vbucket(3).persistedSeqno() < 20; round++) {
        flusher.flushOnce();
        for (int i = 0; i < 5; i++) {
          bucket
              .vbucket(0)
              .store(StoreMode.SET, ItemKey.of("hot"), value, 0, 0, Datatype.RAW, 0, false);
        }
      }
      assertThat(bucket.vbucket(3).persistedSeqno()).as("the last vBucket").isEqualTo(20);
    }
  }

  @Test
  void aCleanStopPersistsABacklogThatTakesManyRounds() throws Exception {
    Bucket bucket = bucket(); // 4 vBuckets
    byte[] value = new byte[1_000];
    try (BucketStore store = BucketStore.open(dir)) {
      new Warmup(bucket, store, System.nanoTime()).run();
      Flusher flusher = new Flusher(bucket, store, 5_000); // 20 rounds for what follows
      for (int v = 0; v < 4; v++) {
        VBucket vb = bucket.vbucket(v);
        vb.trackDirty(() -> {}); // no wake-up: the backlog waits for the stop
        for (int i = 0; i < 25; i++) {
          vb.store(StoreMode.SET, ItemKey.of("doc-" + i), value, 0, 0, Datatype.RAW, 0, false);
        }
      }
      flusher.start();
      assertThat(flusher.stop(true)).isTrue();
      for (int v = 0; v < 4; v++) {
        assertThat(bucket.vbucket(v).persistedSeqno()).as("vb " + v).isEqualTo(25);
      }
    }
  }
}
