package org.settee.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.protocol.Feature;
import org.settee.protocol.Opcode;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.ServerProcess;

/** Couchbase buckets survive restarts, clean or kill -9, with everything they had persisted. */
class PersistenceIT {
  private static final byte[] NONE = new byte[0];
  private static final Duration PERSIST_DEADLINE = Duration.ofSeconds(20);

  @TempDir Path dir;

  /** What a client saw of a document: enough to prove it came back identical. */
  record Doc(String value, int flags, long cas) {}

  /** A mutation token: the vBucket, its UUID and the seqno. */
  record Token(int vb, long uuid, long seqno) {}

  static Token token(KvTestClient c, String key, ResponseFrame r) {
    ByteBuffer b = ByteBuffer.wrap(r.extras());
    return new Token(c.vbucketOf(key), b.getLong(0), b.getLong(8));
  }

  static KvTestClient login(int port) {
    KvTestClient c = KvTestClient.connect(port, 64);
    c.hello(Feature.MUTATION_SEQNO, Feature.XERROR);
    return c.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");
  }

  static ResponseFrame observeSeqno(KvTestClient c, int vb, long uuid) {
    return c.request(
        Opcode.OBSERVE_SEQNO, vb, NONE, NONE, ByteBuffer.allocate(8).putLong(uuid).array());
  }

  /** Polls OBSERVE_SEQNO until the token's seqno is persisted (what PersistTo.ACTIVE does). */
  static void awaitPersisted(KvTestClient c, Token t) {
    boolean persisted =
        EmbeddedNode.await(
            PERSIST_DEADLINE,
            () -> {
              ResponseFrame r = observeSeqno(c, t.vb(), t.uuid());
              assertThat(r.status()).isEqualTo(Status.SUCCESS);
              return ByteBuffer.wrap(r.value()).getLong(11) >= t.seqno();
            });
    assertThat(persisted).as("seqno %s of vb %s persisted", t.seqno(), t.vb()).isTrue();
  }

  /** Writes documents, deletes some, waits until all of it is on disk; returns what was seen. */
  private static Map<String, Doc> writeAndPersist(KvTestClient c, int n) {
    Map<String, Doc> docs = new HashMap<>();
    Token last = null;
    Map<Integer, Token> lastPerVb = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String key = "doc-" + i;
      String value = "{\"n\":" + i + "}";
      ResponseFrame r = c.set(key, value.getBytes(StandardCharsets.UTF_8), i, 0, 0);
      assertThat(r.status()).isEqualTo(Status.SUCCESS);
      last = token(c, key, r);
      lastPerVb.put(last.vb(), last);
      docs.put(key, new Doc(value, i, r.cas()));
    }
    for (int i = 0; i < n; i += 10) {
      String key = "doc-" + i;
      ResponseFrame r = c.delete(key, 0);
      assertThat(r.status()).isEqualTo(Status.SUCCESS);
      Token t = token(c, key, r);
      lastPerVb.put(t.vb(), t);
      docs.remove(key);
    }
    lastPerVb.values().forEach(t -> awaitPersisted(c, t));
    return docs;
  }

  private static void assertAllBack(KvTestClient c, Map<String, Doc> docs, int n) {
    for (int i = 0; i < n; i++) {
      String key = "doc-" + i;
      ResponseFrame r = c.get(key);
      Doc expected = docs.get(key);
      if (expected == null) {
        assertThat(r.status()).as(key).isEqualTo(Status.KEY_ENOENT);
        ResponseFrame meta = c.keyed(Opcode.GET_META, key, NONE, NONE, 0);
        assertThat(meta.status()).as("tombstone of " + key).isEqualTo(Status.SUCCESS);
        assertThat(ByteBuffer.wrap(meta.extras()).getInt(0)).as("deleted flag").isNotZero();
        continue;
      }
      assertThat(r.status()).as(key).isEqualTo(Status.SUCCESS);
      assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo(expected.value());
      assertThat(KvTestClient.flagsOf(r)).isEqualTo(expected.flags());
      assertThat(r.cas()).isEqualTo(expected.cas());
    }
  }

  @Test
  void aCleanRestartBringsEverythingBackOnTheSameHistory() {
    Map<String, Doc> docs;
    long uuidBefore;
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node.kvPort())) {
      docs = writeAndPersist(c, 500);
      uuidBefore = token(c, "probe", c.set("probe", "p")).uuid();
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node.kvPort())) {
      assertAllBack(c, docs, 500);
      ResponseFrame r = c.set("probe", "again");
      assertThat(token(c, "probe", r).uuid())
          .as("no new branch after a clean stop")
          .isEqualTo(uuidBefore);
      List<ResponseFrame> warmup = c.stats("warmup");
      assertThat(warmup)
          .anySatisfy(
              s -> {
                assertThat(KvTestClient.text(s.key())).isEqualTo("ep_warmup_unclean_shutdown");
                assertThat(KvTestClient.text(s.value())).isEqualTo("false");
              });
    }
  }

  static Map<String, String> stats(KvTestClient c) {
    Map<String, String> stats = new HashMap<>();
    for (ResponseFrame s : c.stats("")) {
      stats.put(KvTestClient.text(s.key()), KvTestClient.text(s.value()));
    }
    return stats;
  }

  @Test
  void statShowsTheDiskQueueAndTheFlushersProgress() {
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node.kvPort())) {
      writeAndPersist(c, 500);
      Map<String, String> before = stats(c);
      assertThat(before).containsEntry("ep_persistence", "rocksdb");
      assertThat(Long.parseLong(before.get("ep_total_persisted"))).isGreaterThanOrEqualTo(500);
      long commits = Long.parseLong(before.get("ep_commit_num"));
      assertThat(commits).isPositive();

      ResponseFrame r = c.set("one-more", "x");
      awaitPersisted(c, token(c, "one-more", r));
      Map<String, String> after = stats(c);
      assertThat(Long.parseLong(after.get("ep_total_persisted")))
          .isGreaterThan(Long.parseLong(before.get("ep_total_persisted")));
      assertThat(Long.parseLong(after.get("ep_commit_num"))).isGreaterThan(commits);
      assertThat(
              EmbeddedNode.await(
                  PERSIST_DEADLINE,
                  () -> {
                    Map<String, String> s = stats(c);
                    // What tools that wait for persistence read: both at zero.
                    return s.get("ep_queue_size").equals("0")
                        && s.get("ep_flusher_todo").equals("0");
                  }))
          .as("the disk write queue drains")
          .isTrue();
      Map<String, String> drained = stats(c);
      assertThat(drained)
          .containsEntry("ep_diskqueue_items", "0")
          .containsEntry("ep_item_commit_failed", "0")
          .containsEntry("ep_warmup_thread", "complete");
      long quota = node.node().buckets().get("default").quotaBytes();
      assertThat(quota).isPositive();
      assertThat(drained)
          .containsEntry("ep_max_size", Long.toString(quota))
          .containsEntry("ep_mem_high_wat", Long.toString((long) (quota * 0.85)))
          .containsEntry("ep_mem_low_wat", Long.toString((long) (quota * 0.75)));
    }
  }

  @Test
  void kill9LosesNothingPersistedAndStartsANewHistoryBranch() throws Exception {
    Map<String, Doc> docs;
    Token before;
    try (ServerProcess server = ServerProcess.start(dir)) {
      try (KvTestClient c = login(server.kvPort())) {
        docs = writeAndPersist(c, 300);
        ResponseFrame r = c.set("marker", "m");
        before = token(c, "marker", r);
        awaitPersisted(c, before);
        docs.put("marker", new Doc("m", 0, r.cas()));
      }
      server.kill9();
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node.kvPort())) {
      assertAllBack(c, docs, 300);
      assertThat(c.get("marker").cas()).isEqualTo(docs.get("marker").cas());
      ResponseFrame observed = observeSeqno(c, before.vb(), before.uuid());
      assertThat(observed.status()).isEqualTo(Status.SUCCESS);
      ByteBuffer b = ByteBuffer.wrap(observed.value());
      assertThat(b.get(0)).as("format 1: the UUID asked is an old branch").isEqualTo((byte) 1);
      assertThat(b.getLong(3)).as("new UUID").isNotEqualTo(before.uuid());
      assertThat(b.getLong(27)).isEqualTo(before.uuid());
      assertThat(b.getLong(35))
          .as("old branch ended at the persisted seqno")
          .isGreaterThanOrEqualTo(before.seqno());
    }
  }

  @Test
  void flushEmptiesTheBucketOnDiskToo() {
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node.kvPort())) {
      writeAndPersist(c, 50);
      ResponseFrame flushed = c.request(Opcode.FLUSH, 0, NONE, NONE, NONE);
      assertThat(flushed.status()).isEqualTo(Status.SUCCESS);
      ResponseFrame r = c.set("after-flush", "kept");
      awaitPersisted(c, token(c, "after-flush", r));
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node.kvPort())) {
      assertThat(c.get("doc-1").status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(c.get("after-flush").status()).isEqualTo(Status.SUCCESS);
    }
  }

  /** DCP_GET_FAILOVER_LOG: the vBucket's branches, newest first. */
  private static List<Token> failoverLog(KvTestClient c, int vb) {
    ResponseFrame r = c.request(Opcode.DCP_GET_FAILOVER_LOG, vb, NONE, NONE, NONE);
    assertThat(r.status()).isEqualTo(Status.SUCCESS);
    ByteBuffer b = ByteBuffer.wrap(r.value());
    List<Token> log = new java.util.ArrayList<>();
    while (b.hasRemaining()) {
      log.add(new Token(vb, b.getLong(), b.getLong()));
    }
    return log;
  }

  @Test
  void aFlushIsDurableInEveryVBucketThoughNothingIsWrittenAfterIt() throws Exception {
    int vbuckets = 64;
    Map<Integer, Long> uuidBeforeFlush = new HashMap<>();
    Map<Integer, Long> uuidOfFlush = new HashMap<>();
    try (ServerProcess server = ServerProcess.start(dir)) {
      try (KvTestClient c = login(server.kvPort())) {
        writeAndPersist(c, 300);
        for (int vb = 0; vb < vbuckets; vb++) {
          uuidBeforeFlush.put(vb, failoverLog(c, vb).get(0).uuid());
        }
        assertThat(c.request(Opcode.FLUSH, 0, NONE, NONE, NONE).status()).isEqualTo(Status.SUCCESS);
        for (int vb = 0; vb < vbuckets; vb++) {
          List<Token> log = failoverLog(c, vb);
          assertThat(log).as("vb %s: one branch, begun by the flush", vb).hasSize(1);
          uuidOfFlush.put(vb, log.get(0).uuid());
          // Persisted up to the high seqno on the flush's branch: the flush is on disk.
          ResponseFrame seqnos = observeSeqno(c, vb, log.get(0).uuid());
          long high = ByteBuffer.wrap(seqnos.value()).getLong(19);
          awaitPersisted(c, new Token(vb, log.get(0).uuid(), high));
        }
      }
      server.kill9();
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = login(node.kvPort())) {
      for (int vb = 0; vb < vbuckets; vb++) {
        List<Token> log = failoverLog(c, vb);
        assertThat(log)
            .as("vb %s: the flush's branch, then the unclean restart's", vb)
            .hasSize(2)
            .last()
            .isEqualTo(new Token(vb, uuidOfFlush.get(vb), 0));
        assertThat(log).extracting(Token::uuid).doesNotContain(uuidBeforeFlush.get(vb));
      }
      for (int i = 0; i < 300; i++) {
        assertThat(c.keyed(Opcode.GET_META, "doc-" + i, NONE, NONE, 0).status())
            .as("doc-%s and its tombstone are gone", i)
            .isEqualTo(Status.KEY_ENOENT);
      }
    }
  }

  @Test
  void deletingABucketRemovesItsFilesAndTheNameComesBackEmpty() throws IOException {
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      node.node().createBucket(new BucketSettings("temp", BucketType.COUCHBASE, 100, 64, true));
      node.addUser("temp", "password", "bucket_full_access[temp]");
      try (KvTestClient c = node.connectAs("temp", "password", "temp")) {
        assertThat(c.set("k", "v").status()).isEqualTo(Status.SUCCESS);
      }
      assertThat(bucketDirs()).anyMatch(p -> p.getFileName().toString().startsWith("temp-"));
      assertThat(node.node().deleteBucket("temp")).isTrue();
      assertThat(bucketDirs()).noneMatch(p -> p.getFileName().toString().startsWith("temp-"));
      node.node().createBucket(new BucketSettings("temp", BucketType.COUCHBASE, 100, 64, true));
      try (KvTestClient c = node.connectAs("temp", "password", "temp")) {
        assertThat(c.get("k").status()).isEqualTo(Status.KEY_ENOENT);
      }
    }
  }

  @Test
  void aCorruptStoreIsAClearErrorAndIsLeftAlone() throws IOException {
    Path bucketDir;
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      assertThat(node.node().storage("default")).isNotNull();
      bucketDir = bucketDirs().get(0);
    }
    Path current = bucketDir.resolve("CURRENT");
    Files.writeString(current, "garbage-that-is-not-a-manifest\n");
    byte[] before = Files.readAllBytes(current);
    assertThatThrownBy(() -> EmbeddedNode.start(dir))
        .isInstanceOf(CorruptStorageException.class)
        .hasMessageContaining(bucketDir.toString());
    assertThat(Files.readAllBytes(current)).isEqualTo(before);
  }

  private List<Path> bucketDirs() throws IOException {
    Path buckets = dir.resolve("buckets");
    if (!Files.exists(buckets)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(buckets)) {
      return s.toList();
    }
  }
}
