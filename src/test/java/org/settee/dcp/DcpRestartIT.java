package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.dcp.highlevel.SnapshotMarker;
import com.couchbase.client.dcp.highlevel.StreamOffset;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.ServerProcess;
import org.settee.util.ManualClock;

/**
 * Resuming the official DCP client across a server restart, and the failover-log checks behind it:
 * a clean restart keeps each vBucket's history (no rollback), an unknown history is rolled back to
 * zero and the client's rollback handling streams everything again, and an unclean restart starts a
 * new branch at the head of the failover log.
 */
class DcpRestartIT {
  static final String BUCKET = EmbeddedNode.DEFAULT_BUCKET;
  static final String DCP_USER = "dcp-reader";
  static final String DCP_PASSWORD = "dcp-password";

  /** A uuid no vBucket has: kv draws 48 random bits, so the top bits never match. */
  static final long UNKNOWN_UUID = 0x5e77_ee00_0000_0001L;

  static final int ROLLBACK = 0x23;

  @TempDir Path dir;

  private static EmbeddedNode start(Path dir) {
    EmbeddedNode node = EmbeddedNode.start(dir);
    // Users live in the node's data directory too; upsert keeps the test independent of that.
    node.addUser(DCP_USER, DCP_PASSWORD, "data_dcp_reader[" + BUCKET + "]");
    return node;
  }

  private static DcpClientFixture dcpClient(EmbeddedNode node) {
    return DcpClientFixture.connect(node.kvPort(), DCP_USER, DCP_PASSWORD, BUCKET);
  }

  private static BucketWriter writer(EmbeddedNode node) {
    return BucketWriter.open(node.kvPort(), node.node().options().defaultBucketVBuckets(), BUCKET);
  }

  @Test
  void afterACleanServerRestartTheClientResumesFromItsOffsetsWithoutRollback() {
    Map<Integer, StreamOffset> saved;
    Map<String, Optional<String>> atSave;
    Map<String, Optional<String>> beforeRestart;
    Map<Integer, BucketWriter.Token> tokensBeforeRestart;
    try (EmbeddedNode node = start(dir);
        BucketWriter w = writer(node)) {
      for (int i = 0; i < 3_000; i++) {
        w.set("a-" + i, BucketWriter.value("a-" + i, 1));
      }
      w.flush();
      try (DcpClientFixture dcp = dcpClient(node).streamFromZeroToNow()) {
        dcp.awaitStreamsEndedOk(dcp.numPartitions());
        dcp.assertCleanStream();
        saved = dcp.lastOffsets();
      }
      assertThat(saved).as("an offset for every vBucket").hasSize(w.numVBuckets());
      atSave = w.expected();

      // Written after the save and persisted (PersistTo): must come from disk after the restart.
      for (int i = 0; i < 1_000; i++) {
        w.set("b-" + i, BucketWriter.value("b-" + i, 1));
      }
      for (int i = 0; i < 300; i++) {
        w.set("a-" + i, BucketWriter.value("a-" + i, 2));
      }
      for (int i = 300; i < 500; i++) {
        w.delete("a-" + i);
      }
      w.flush();
      w.awaitPersisted();
      beforeRestart = w.expected();
      tokensBeforeRestart = w.tokens();
    }

    try (EmbeddedNode node = start(dir);
        BucketWriter w = writer(node)) {
      for (int i = 0; i < 500; i++) {
        w.set("c-" + i, BucketWriter.value("c-" + i, 1));
      }
      w.flush();
      w.tokens()
          .forEach(
              (vb, t) ->
                  assertThat(t.uuid())
                      .as("vb %d keeps its history across a clean restart", vb)
                      .isEqualTo(tokensBeforeRestart.get(vb).uuid()));
      Map<Integer, Long> target = new HashMap<>();
      tokensBeforeRestart.forEach((vb, t) -> target.put(vb, t.seqno()));
      w.highSeqnos().forEach((vb, s) -> target.merge(vb, s, Math::max));

      try (DcpClientFixture dcp = dcpClient(node).resume(saved)) {
        dcp.awaitSeqnos(target);
        dcp.assertCleanStream();
        assertThat(dcp.rollbacks()).as("no rollback after a clean restart").isEmpty();
        assertThat(
                dcp.changes().stream()
                    .filter(c -> c.seqno() <= saved.get(c.vb()).getSeqno())
                    .toList())
            .as("nothing at or before the saved offsets comes again")
            .isEmpty();

        Map<String, Optional<String>> expected = new HashMap<>(beforeRestart);
        expected.putAll(w.expected());
        expected.entrySet().removeIf(e -> e.getValue().equals(atSave.get(e.getKey())));
        dcp.assertLatestStateMatches(expected);
      }
    }
  }

  @Test
  void anUnknownVbUuidIsRolledBackToZeroAndTheClientStreamsEverythingAgain() {
    try (EmbeddedNode node = start(dir);
        BucketWriter w = writer(node)) {
      for (int i = 0; i < 2_000; i++) {
        w.set("r-" + i, BucketWriter.value("r-" + i, 1));
      }
      w.flush();
      Map<Integer, Long> high = w.highSeqnos();
      assertThat(high).as("every vBucket has data").hasSize(w.numVBuckets());

      // A state from a history this node never had: halfway through each vBucket, complete
      // snapshot, wrong uuid. No shared history means rollback to 0 (dcp.md §6.1 step 3).
      Map<Integer, StreamOffset> foreign = new HashMap<>();
      high.forEach(
          (vb, seqno) -> {
            long s = Math.max(1, seqno / 2);
            foreign.put(vb, new StreamOffset(UNKNOWN_UUID, s, new SnapshotMarker(s, s), 0));
          });

      try (DcpClientFixture dcp = dcpClient(node).resume(foreign)) {
        dcp.await("a rollback for every vBucket", () -> dcp.rollbacks().size() >= high.size());
        dcp.awaitSeqnos(high);

        assertThat(dcp.rollbacks())
            .allSatisfy(r -> assertThat(r.seqno()).as("rollback of vb %d", r.vb()).isZero());
        assertThat(dcp.rollbacks().stream().map(r -> r.vb()).distinct().count())
            .isEqualTo(high.size());
        assertThat(dcp.violations()).isEmpty();
        assertThat(dcp.failures()).isEmpty();
        // Restarted from 0: the first half of each vBucket, which the foreign state claimed to
        // have, came too, and the end state is complete.
        dcp.assertLatestStateMatches(w.expected());
      }
    }
  }

  @Test
  void afterKill9TheFailoverLogListsTheNewBranchFirst() throws Exception {
    Map<Integer, BucketWriter.Token> before;
    try (ServerProcess server = ServerProcess.start(dir)) {
      try (BucketWriter w =
          BucketWriter.open(server.kvPort(), 64 /* ServerProcess starts 64 vBuckets */, BUCKET)) {
        for (int i = 0; i < 500; i++) {
          w.set("f-" + i, BucketWriter.value("f-" + i, 1));
        }
        w.flush();
        w.awaitPersisted();
        before = w.tokens();
      }
      server.kill9();
    }
    try (EmbeddedNode node = start(dir);
        DcpTestConnection dcp =
            DcpTestConnection.open(
                    node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET)
                .openProducer("settee-test:failover-log")) {
      for (BucketWriter.Token t : before.values()) {
        DcpTestConnection.Frame r =
            dcp.call(
                DcpTestConnection.DCP_GET_FAILOVER_LOG,
                t.vb(),
                new byte[0],
                new byte[0],
                new byte[0]);
        dcp.expectSuccess(r, "DCP_GET_FAILOVER_LOG vb " + t.vb());
        assertThat(r.value().length % 16).as("16 bytes per entry").isZero();
        List<long[]> entries = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(r.value());
        while (b.hasRemaining()) {
          entries.add(new long[] {b.getLong(), b.getLong()});
        }
        assertThat(entries).as("vb %d: the old branch and a new one", t.vb()).hasSizeGreaterThan(1);
        assertThat(entries.get(0)[0]).as("newest first: a new uuid").isNotEqualTo(t.uuid());
        assertThat(entries.get(0)[1])
            .as("the new branch starts at or after what was persisted")
            .isGreaterThanOrEqualTo(t.seqno());
        assertThat(entries.get(1)[0]).as("then the branch the writes were on").isEqualTo(t.uuid());
        assertThat(entries.get(entries.size() - 1)[1]).as("the oldest entry starts at 0").isZero();
        for (int i = 1; i < entries.size(); i++) {
          assertThat(entries.get(i)[1]).isLessThanOrEqualTo(entries.get(i - 1)[1]);
        }
      }
    }
  }

  @Test
  void thePurgeSeqnoSurvivesARestartAndAClientBehindItRollsBackToZero() {
    ManualClock clock = new ManualClock(System.currentTimeMillis());
    int vb = 3;
    long uuid;
    long purgeSeqno;
    try (EmbeddedNode node = EmbeddedNode.start(dir, o -> o.clock(clock));
        BucketWriter w = writer(node)) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; keys.size() < 10; i++) {
        if (w.vbucketOf("p-" + i) == vb) {
          keys.add("p-" + i);
        }
      }
      keys.forEach(k -> w.set(k, BucketWriter.value(k, 1)));
      keys.subList(0, 5).forEach(w::delete);
      w.flush();
      w.awaitPersisted();
      uuid = w.tokens().get(vb).uuid();
      purgeSeqno = w.highSeqnos().get(vb);
      node.node().compact(clock.currentTimeSeconds() + 1);
      assertThat(node.node().buckets().get(BUCKET).vbucket(vb).purgeSeqno())
          .as("the newest tombstone was purged")
          .isEqualTo(purgeSeqno);
    }
    try (EmbeddedNode node = start(dir);
        DcpTestConnection dcp =
            DcpTestConnection.open(node.kvPort(), DCP_USER, DCP_PASSWORD, BUCKET)
                .openProducer("settee-test:purge-seqno")) {
      // On the same history, but before deletions that are gone: a client must start over.
      long start = purgeSeqno - 5;
      int opaque =
          dcp.sendStreamRequest(vb, 0, start, DcpTestConnection.NO_END, uuid, start, start);
      DcpTestConnection.Frame r = dcp.awaitResponse(opaque, new ArrayList<>());
      assertThat(r.status()).as("STREAM_REQ from %s: %s", start, r).isEqualTo(ROLLBACK);
      assertThat(ByteBuffer.wrap(r.value()).getLong()).as("rollback seqno").isZero();
    }
  }
}
