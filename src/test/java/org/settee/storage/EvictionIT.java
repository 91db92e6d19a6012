package org.settee.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.kv.VBucket;
import org.settee.protocol.Opcode;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.LogWatch;

/** Memory quotas: eviction to disk and back, and what buckets without a disk do when full. */
class EvictionIT {
  private static final int DOCS = 3000;
  private static final int VALUE_SIZE = 1024;
  private static final byte[] NONE = new byte[0];

  @TempDir Path dir;
  private EmbeddedNode node;

  @BeforeEach
  void start() {
    node = EmbeddedNode.start(dir);
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private KvTestClient bucket(String name, BucketType type, String eviction) {
    node.node()
        .createBucket(
            new BucketSettings(name, type, 1, 64, true, 0, 0, eviction, BucketSettings.newUuid()));
    node.addUser(name, "password", "bucket_full_access[" + name + "]");
    return node.connectAs(name, "password", name);
  }

  private static byte[] value(int i) {
    byte[] v = new byte[VALUE_SIZE];
    Arrays.fill(v, (byte) ('a' + i % 26));
    byte[] n = String.format("%06d", i).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(n, 0, v, 0, n.length);
    return v;
  }

  /** Stores a document, retrying temporary failures (the pager and flusher make room). */
  private static Status store(KvTestClient c, int i) {
    Status[] last = {null};
    EmbeddedNode.await(
        Duration.ofSeconds(20),
        () -> {
          last[0] = c.set(key(i), value(i), 0, 0, 0).status();
          return last[0] != Status.ETMPFAIL;
        });
    return last[0];
  }

  private static String key(int i) {
    return String.format("doc-%06d", i);
  }

  private void assertEvictedAndReadBack(KvTestClient c, Bucket b) {
    for (int i = 0; i < DOCS; i++) {
      assertThat(store(c, i)).isEqualTo(Status.SUCCESS);
    }
    assertThat(b.stats().memoryUsed()).as("memory held under the quota").isLessThan(b.quotaBytes());
    Map<String, String> before = PersistenceIT.stats(c);
    assertThat(Long.parseLong(before.get("ep_num_value_ejects")))
        .as("STAT ep_num_value_ejects")
        .isPositive();
    for (int i = 0; i < DOCS; i++) {
      ResponseFrame r = c.get(key(i));
      assertThat(r.status()).as(key(i)).isEqualTo(Status.SUCCESS);
      assertThat(r.value()).isEqualTo(value(i));
    }
    assertThat(
            Long.parseLong(PersistenceIT.stats(c).get("ep_bg_fetched"))
                - Long.parseLong(before.get("ep_bg_fetched")))
        .as("STAT ep_bg_fetched: the evicted documents just read came from disk")
        .isPositive();
  }

  @Test
  void valueEvictionKeepsKeysInMemoryAndReadsValuesBackFromDisk() {
    try (KvTestClient c = bucket("values", BucketType.COUCHBASE, "valueOnly")) {
      Bucket b = node.node().buckets().get("values");
      assertEvictedAndReadBack(c, b);
      assertThat(b.itemCount()).isEqualTo(DOCS);
    }
  }

  @Test
  void aDiskThatFailsAReadFailsThatCommandOnlyAndSaysSoOnce() {
    try (LogWatch log = LogWatch.warnings();
        KvTestClient c = bucket("badsector", BucketType.COUCHBASE, "valueOnly")) {
      Bucket b = node.node().buckets().get("badsector");
      BucketStorage storage = node.node().storage("badsector");
      assertThat(c.set("on-disk", "evicted").status()).isEqualTo(Status.SUCCESS);
      assertThat(EmbeddedNode.await(Duration.ofSeconds(20), () -> storage.diskQueueSize() == 0))
          .isTrue();
      assertThat(b.vbucket(c.vbucketOf("on-disk")).evictClean(Long.MAX_VALUE)).isPositive();
      assertThat(c.set("in-memory", "resident").status()).isEqualTo(Status.SUCCESS);

      storage.injectReadFailure("IO error: injected bad sector");
      for (int i = 0; i < 3; i++) {
        assertThat(c.get("on-disk").status()).as("read %s", i).isEqualTo(Status.ETMPFAIL);
      }
      assertThat(KvTestClient.text(c.get("in-memory").value()))
          .as("the same connection goes on")
          .isEqualTo("resident");
      storage.injectReadFailure(null);
      assertThat(KvTestClient.text(c.get("on-disk").value())).isEqualTo("evicted");

      assertThat(log.unexpected())
          .as("one line for the failing reads")
          .filteredOn(l -> l.contains("cannot read from disk"))
          .hasSize(1);
    }
  }

  @Test
  void fullEvictionAsksTheDiskOnEveryMiss() {
    try (KvTestClient c = bucket("full", BucketType.COUCHBASE, "fullEviction")) {
      Bucket b = node.node().buckets().get("full");
      assertEvictedAndReadBack(c, b);
      // Push the early documents out again, then prove an ADD sees them on disk.
      for (int i = 0; i < DOCS; i++) {
        assertThat(store(c, i)).isEqualTo(Status.SUCCESS);
      }
      assertThat(c.add(key(0), "again").status()).isEqualTo(Status.KEY_EEXISTS);
      assertThat(c.get("never-written").status()).isEqualTo(Status.KEY_ENOENT);
    }
  }

  @Test
  void fullEvictionDoesNotReadAFlushedDocumentBackWhileTheDiskStillHasIt() {
    try (KvTestClient c = bucket("flushed", BucketType.COUCHBASE, "fullEviction")) {
      Bucket b = node.node().buckets().get("flushed");
      BucketStorage storage = node.node().storage("flushed");
      assertThat(c.set("doc", "before the flush").status()).isEqualTo(Status.SUCCESS);
      assertThat(EmbeddedNode.await(Duration.ofSeconds(20), () -> storage.diskQueueSize() == 0))
          .isTrue();
      VBucket vb = b.vbucket(c.vbucketOf("doc"));
      assertThat(vb.evictClean(Long.MAX_VALUE)).as("evicted").isPositive();
      // The disk stops taking batches, so the flush's delete stays queued: the disk keeps the
      // document while memory has no trace of it.
      storage.injectWriteFailure("IO error: injected by EvictionIT");
      assertThat(c.request(Opcode.FLUSH, 0, NONE, NONE, NONE).status()).isEqualTo(Status.SUCCESS);
      assertThat(c.get("doc").status()).as("read after the flush").isEqualTo(Status.KEY_ENOENT);
      storage.injectWriteFailure(null);
      assertThat(EmbeddedNode.await(Duration.ofSeconds(20), () -> storage.diskQueueSize() == 0))
          .isTrue();
      assertThat(c.get("doc").status()).isEqualTo(Status.KEY_ENOENT);
    }
  }

  @Test
  void anEphemeralBucketWithoutEvictionRefusesWritesWhenFullAndKeepsServingReads() {
    try (KvTestClient c = bucket("nothing-evicted", BucketType.EPHEMERAL, "noEviction")) {
      int stored = 0;
      Status s = Status.SUCCESS;
      while (s == Status.SUCCESS && stored < DOCS) {
        s = c.set(key(stored), value(stored), 0, 0, 0).status();
        if (s == Status.SUCCESS) {
          stored++;
        }
      }
      assertThat(s).isEqualTo(Status.ENOMEM);
      assertThat(stored).isPositive().isLessThan(DOCS);
      for (int i = 0; i < stored; i++) {
        assertThat(c.get(key(i)).value()).isEqualTo(value(i));
      }
      assertThat(c.delete(key(0), 0).status()).as("deletes still work").isEqualTo(Status.SUCCESS);
    }
  }

  @Test
  void anEphemeralBucketWithAutoDeleteAndAMemcachedBucketMakeRoomByDeleting() {
    for (BucketType type : new BucketType[] {BucketType.EPHEMERAL, BucketType.MEMCACHED}) {
      String name = "cache-" + type.restName();
      try (KvTestClient c =
          bucket(name, type, type == BucketType.EPHEMERAL ? "nruEviction" : "valueOnly")) {
        Bucket b = node.node().buckets().get(name);
        for (int i = 0; i < DOCS; i++) {
          assertThat(store(c, i)).as(name).isEqualTo(Status.SUCCESS);
        }
        assertThat(b.stats().memoryUsed()).isLessThan(b.quotaBytes());
        assertThat(b.itemCount()).as("older documents made room").isLessThan(DOCS);
        ResponseFrame last = c.get(key(DOCS - 1));
        assertThat(last.status()).isEqualTo(Status.SUCCESS);
        assertThat(c.keyed(Opcode.NOOP, "x", new byte[0], new byte[0], 0).status())
            .isEqualTo(Status.SUCCESS);
      }
    }
  }
}
