package org.settee.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.Bucket;
import org.settee.protocol.Feature;
import org.settee.protocol.Opcode;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.util.ManualClock;

/** Disk failures, expiry paging and tombstone purging, with storage underneath. */
class StorageFaultsIT {
  private static final byte[] NONE = new byte[0];

  @TempDir Path dir;

  private static KvTestClient login(EmbeddedNode node) {
    KvTestClient c = node.connect();
    c.hello(Feature.MUTATION_SEQNO, Feature.XERROR);
    return c.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");
  }

  private static boolean persisted(EmbeddedNode node) {
    return node.node().storage("default").diskQueueSize() == 0;
  }

  /**
   * A side task of the storage thread (a purge, a seqno sweep) that throws must not end the thread:
   * persistence goes on, and the failure is logged.
   */
  @Test
  void aStorageTaskThatThrowsDoesNotStopPersistence() {
    try (org.settee.testing.LogWatch log = org.settee.testing.LogWatch.warnings();
        EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node)) {
      BucketStorage storage = node.node().storage("default");
      storage.runOnStorageThread(
          () -> {
            throw new IllegalStateException("a record nobody can decode");
          });
      assertThat(c.set("after-the-failed-task", "v").status()).isEqualTo(Status.SUCCESS);
      assertThat(EmbeddedNode.await(Duration.ofSeconds(10), () -> persisted(node)))
          .as("the write reaches the disk")
          .isTrue();
      assertThat(log.unexpected()).anyMatch(l -> l.contains("a storage task failed"));
      assertThat(node.node().buckets().get("default").writesRefusedBecause()).isNull();
    }
  }

  @Test
  void aFailingDiskRefusesWritesLosesNothingAndRecovers() {
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node)) {
      BucketStorage storage = node.node().storage("default");
      Bucket bucket = node.node().buckets().get("default");
      storage.injectWriteFailure("IO error: No space left on device");
      assertThat(c.set("during-failure", "acknowledged").status()).isEqualTo(Status.SUCCESS);
      assertThat(
              EmbeddedNode.await(
                  Duration.ofSeconds(10), () -> bucket.writesRefusedBecause() != null))
          .isTrue();
      assertThat(c.set("refused", "x").status()).isEqualTo(Status.ETMPFAIL);
      assertThat(c.get("during-failure").status()).as("reads go on").isEqualTo(Status.SUCCESS);
      assertThat(Long.parseLong(PersistenceIT.stats(c).get("ep_item_commit_failed")))
          .as("failed batches are counted")
          .isPositive();
      storage.injectWriteFailure(null);
      assertThat(
              EmbeddedNode.await(
                  Duration.ofSeconds(10), () -> bucket.writesRefusedBecause() == null))
          .isTrue();
      assertThat(EmbeddedNode.await(Duration.ofSeconds(10), () -> persisted(node))).isTrue();
      assertThat(c.set("after", "y").status()).isEqualTo(Status.SUCCESS);
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node)) {
      assertThat(KvTestClient.text(c.get("during-failure").value())).isEqualTo("acknowledged");
      assertThat(c.get("refused").status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(c.get("after").status()).isEqualTo(Status.SUCCESS);
    }
  }

  @Test
  void aStopThatCouldNotPersistEverythingIsNotMarkedClean() {
    int vb;
    long uuidBefore;
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node)) {
      BucketStorage storage = node.node().storage("default");
      Bucket bucket = node.node().buckets().get("default");
      vb = c.vbucketOf("unpersisted");
      uuidBefore = bucket.vbucket(vb).failoverLog().entries().get(0).uuid();
      // The items' batches fail; the stop's small writes (vBucket states, clean-shutdown mark)
      // would go through, as on a disk with a little room left.
      storage.injectFlusherFailure("IO error: No space left on device");
      assertThat(c.set("unpersisted", "acknowledged").status()).isEqualTo(Status.SUCCESS);
      assertThat(
              EmbeddedNode.await(
                  Duration.ofSeconds(10), () -> bucket.writesRefusedBecause() != null))
          .isTrue();
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node)) {
      assertThat(c.get("unpersisted").status()).as("never persisted").isEqualTo(Status.KEY_ENOENT);
      assertThat(
              node.node()
                  .buckets()
                  .get("default")
                  .vbucket(vb)
                  .failoverLog()
                  .entries()
                  .get(0)
                  .uuid())
          .as("the restart lost an acknowledged mutation: a new history branch")
          .isNotEqualTo(uuidBefore);
    }
  }

  @Test
  void aFlushWhileTheDiskFailsIsPersistedAndWritesResumeOnceTheDiskWorksAgain() {
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node)) {
      BucketStorage storage = node.node().storage("default");
      Bucket bucket = node.node().buckets().get("default");
      storage.injectWriteFailure("IO error: No space left on device");
      assertThat(c.set("before-flush", "v").status()).isEqualTo(Status.SUCCESS);
      assertThat(
              EmbeddedNode.await(
                  Duration.ofSeconds(10), () -> bucket.writesRefusedBecause() != null))
          .isTrue();
      assertThat(c.set("refused", "x").status()).isEqualTo(Status.ETMPFAIL);
      // The flush drops the unpersisted write: all that is left for the disk is the flush itself.
      assertThat(c.request(Opcode.FLUSH, 0, NONE, NONE, NONE).status()).isEqualTo(Status.SUCCESS);
      storage.injectWriteFailure(null);
      assertThat(
              EmbeddedNode.await(
                  Duration.ofSeconds(10), () -> bucket.writesRefusedBecause() == null))
          .as("writes accepted again once the disk works")
          .isTrue();
      assertThat(EmbeddedNode.await(Duration.ofSeconds(10), () -> persisted(node))).isTrue();
      assertThat(c.set("after", "y").status()).isEqualTo(Status.SUCCESS);
      assertThat(c.get("before-flush").status()).isEqualTo(Status.KEY_ENOENT);
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node)) {
      assertThat(c.get("before-flush").status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(c.get("after").status()).isEqualTo(Status.SUCCESS);
    }
  }

  @Test
  void aSecondNodeOnTheSameDataDirectoryRefusesToStart() {
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      assertThat(node.kvPort()).isPositive();
      assertThatThrownBy(() -> EmbeddedNode.start(dir))
          .hasMessageContaining("in use by another running node");
    }
  }

  @Test
  void theExpiryPagerExpiresAndCompactionPurgesOldTombstonesOnDiskToo() {
    ManualClock clock = new ManualClock(System.currentTimeMillis());
    try (EmbeddedNode node = EmbeddedNode.start(dir, o -> o.clock(clock));
        KvTestClient c = login(node)) {
      assertThat(c.set("short-lived", "v".getBytes(), 0, 10, 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(c.set("deleted", "v").status()).isEqualTo(Status.SUCCESS);
      assertThat(c.delete("deleted", 0).status()).isEqualTo(Status.SUCCESS);
      long highBefore =
          node.node().buckets().get("default").vbucket(c.vbucketOf("short-lived")).highSeqno();
      clock.advanceSeconds(11);
      node.node().runExpiryPager();
      var vb = node.node().buckets().get("default").vbucket(c.vbucketOf("short-lived"));
      assertThat(vb.highSeqno()).as("an expiration takes a seqno").isGreaterThan(highBefore);
      ResponseFrame meta = c.keyed(Opcode.GET_META, "short-lived", NONE, NONE, 0);
      assertThat(ByteBuffer.wrap(meta.extras()).getInt(0)).as("deleted").isNotZero();
      assertThat(EmbeddedNode.await(Duration.ofSeconds(10), () -> persisted(node))).isTrue();
      clock.advanceSeconds(4L * 24 * 3600);
      node.node().compact();
      assertThat(c.keyed(Opcode.GET_META, "deleted", NONE, NONE, 0).status())
          .isEqualTo(Status.KEY_ENOENT);
      assertThat(c.keyed(Opcode.GET_META, "short-lived", NONE, NONE, 0).status())
          .isEqualTo(Status.KEY_ENOENT);
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node)) {
      assertThat(c.keyed(Opcode.GET_META, "deleted", NONE, NONE, 0).status())
          .as("purged on disk too")
          .isEqualTo(Status.KEY_ENOENT);
    }
  }
}
