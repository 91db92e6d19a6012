package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.settee.dcp.DcpTestConnection.DCP_BUFFER_ACK;
import static org.settee.dcp.DcpTestConnection.DCP_DELETION;
import static org.settee.dcp.DcpTestConnection.DCP_GET_FAILOVER_LOG;
import static org.settee.dcp.DcpTestConnection.DCP_MUTATION;
import static org.settee.dcp.DcpTestConnection.DCP_NOOP;
import static org.settee.dcp.DcpTestConnection.DCP_SNAPSHOT_MARKER;
import static org.settee.dcp.DcpTestConnection.DCP_STREAM_END;
import static org.settee.dcp.DcpTestConnection.NOOP;
import static org.settee.dcp.DcpTestConnection.NO_END;

import com.couchbase.client.dcp.highlevel.SnapshotDetails;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.protocol.Opcode;
import org.settee.protocol.ResponseFrame;
import org.settee.storage.BucketStorage;
import org.settee.testing.EmbeddedNode;

/**
 * What happens to DCP streams and connections around them: a consumer too slow for the change log
 * (its cursor is dropped and it reads the disk again), a bucket flush under open streams, an
 * ephemeral bucket's backfill from memory, and a second connection with the name of an open one.
 */
class DcpLifecycleIT {
  static final String BUCKET = EmbeddedNode.DEFAULT_BUCKET;

  /** VBucket.LOG_CAPACITY: how far a stream may fall behind before its cursor is dropped. */
  static final int LOG_CAPACITY = 20_000;

  static final int ROLLBACK = 0x23;
  static final int STATE_CHANGED = 2;
  static final int MARKER_MEMORY = 0x01;
  static final int MARKER_DISK = 0x02;
  static final byte[] NONE = new byte[0];

  @TempDir Path dir;

  private static BucketWriter writer(EmbeddedNode node, String bucket) {
    return BucketWriter.open(node.kvPort(), node.node().options().defaultBucketVBuckets(), bucket);
  }

  private static DcpTestConnection producer(EmbeddedNode node, String name) {
    return DcpTestConnection.open(
            node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET)
        .openProducer("settee-test:" + name);
  }

  /** {@code n} distinct keys that all hash to vBucket {@code vb}. */
  private static List<String> keysOf(BucketWriter w, int vb, String prefix, int n) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; keys.size() < n; i++) {
      if (w.vbucketOf(prefix + i) == vb) {
        keys.add(prefix + i);
      }
    }
    return keys;
  }

  /** A snapshot marker as received: its range and flags, and the keys that came inside it. */
  record Marker(long start, long end, int flags, List<String> keys) {}

  /**
   * One raw stream's messages, checked as they come: seqnos increase and lie in their marker, and
   * each key's latest change is kept (null value = deleted).
   */
  static final class StreamRecord {
    final int opaque;
    final List<Marker> markers = new ArrayList<>();
    final Map<String, Optional<String>> latest = new HashMap<>();
    long lastSeqno;
    int streamEndReason = -1;

    StreamRecord(int opaque) {
      this.opaque = opaque;
    }

    void accept(DcpTestConnection.Frame f) {
      assertThat(f.isRequest()).as("a stream message: %s", f).isTrue();
      assertThat(f.opaque()).as("the stream's opaque: %s", f).isEqualTo(opaque);
      switch (f.opcode()) {
        case DCP_SNAPSHOT_MARKER -> {
          Marker m =
              new Marker(
                  f.extrasLong(0),
                  f.extrasLong(8),
                  ByteBuffer.wrap(f.extras()).getInt(16),
                  new ArrayList<>());
          if (!markers.isEmpty()) {
            Marker previous = markers.get(markers.size() - 1);
            assertThat(m.start()).as("%s after %s", m, previous).isGreaterThan(previous.end());
          }
          markers.add(m);
        }
        case DCP_MUTATION, DCP_DELETION -> {
          long seqno = f.extrasLong(0);
          assertThat(seqno).as("seqnos increase").isGreaterThan(lastSeqno);
          assertThat(markers).as("a marker before any item").isNotEmpty();
          Marker m = markers.get(markers.size() - 1);
          assertThat(seqno).as("inside its marker %s", m).isBetween(m.start(), m.end());
          lastSeqno = seqno;
          m.keys().add(f.keyText());
          latest.put(
              f.keyText(),
              f.opcode() == DCP_MUTATION
                  ? Optional.of(new String(f.value(), java.nio.charset.StandardCharsets.UTF_8))
                  : Optional.empty());
        }
        case DCP_STREAM_END -> streamEndReason = ByteBuffer.wrap(f.extras()).getInt();
        default -> throw new AssertionError("unexpected stream message " + f);
      }
    }
  }

  @Test
  void aConsumerTooSlowForTheLogIsDroppedToDiskAndStillGetsEveryKeysLatestState() {
    int vb = 3;
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        BucketWriter w = writer(node, BUCKET);
        DcpTestConnection dcp = producer(node, "slow")) {
      assertThat(dcp.control("connection_buffer_size", "4096").status()).isZero();
      // The vBucket is empty: the stream starts in memory, following the log from seqno 1.
      StreamRecord stream = new StreamRecord(dcp.sendStreamRequest(vb, 0, 0, NO_END, 0, 0, 0));
      List<DcpTestConnection.Frame> early = new ArrayList<>();
      dcp.expectSuccess(dcp.awaitResponse(stream.opaque, early), "STREAM_REQ");

      // 25 versions of 1,000 keys of that vBucket, the last round deleting 100 of them: more
      // mutations than the log keeps for a reader that does not move. Nothing is acknowledged
      // meanwhile, so after its first 4 KiB the stream cannot move.
      List<String> keys = keysOf(w, vb, "slow-", 1_000);
      for (int version = 1; version <= 25; version++) {
        for (int i = 0; i < keys.size(); i++) {
          if (version == 25 && i < 100) {
            w.delete(keys.get(i));
          } else {
            w.set(keys.get(i), BucketWriter.value(keys.get(i), version));
          }
        }
        w.flush();
      }
      long high = w.highSeqnos().get(vb);
      assertThat(high).isGreaterThan(LOG_CAPACITY + 4_096);

      // Now the consumer reads, acknowledging as it goes, until it has the vBucket's high seqno.
      early.forEach(stream::accept);
      long unacked = 0;
      while (stream.lastSeqno < high) {
        DcpTestConnection.Frame f = dcp.read(DcpTestConnection.READ_TIMEOUT);
        if (f.opcode() != DCP_NOOP) {
          unacked += 24 + f.extras().length + f.key().length + f.value().length;
        }
        stream.accept(f);
        if (unacked >= 2_048) {
          dcp.send(
              DCP_BUFFER_ACK, 0, ByteBuffer.allocate(4).putInt((int) unacked).array(), NONE, NONE);
          unacked = 0;
        }
      }

      assertThat(stream.lastSeqno).isEqualTo(high);
      assertThat(stream.markers.get(0).flags() & MARKER_MEMORY)
          .as("it began in memory: %s", stream.markers.get(0))
          .isNotZero();
      List<Marker> disk =
          stream.markers.stream().filter(m -> (m.flags() & MARKER_DISK) != 0).toList();
      assertThat(disk).as("its cursor was dropped: it went back to disk").isNotEmpty();
      for (int i = 1; i < stream.markers.size(); i++) {
        assertThat(stream.markers.get(i).start())
            .as("no gap: marker %d starts right after the one before", i)
            .isEqualTo(stream.markers.get(i - 1).end() + 1);
      }
      for (Marker m : disk) {
        assertThat(new HashSet<>(m.keys()))
            .as("a disk snapshot holds each key once, its version at the snapshot")
            .hasSameSizeAs(m.keys());
      }
      Map<String, Optional<String>> expected = new HashMap<>(w.expected());
      expected.keySet().retainAll(keys);
      assertThat(stream.latest).isEqualTo(expected);
      assertThat(expected.values().stream().filter(Optional::isEmpty).count()).isEqualTo(100);
    }
  }

  @Test
  void aFlushEndsOpenStreamsWithStateChangedAndTheOldHistoryRollsBackToZero() {
    int vb = 5;
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        BucketWriter w = writer(node, BUCKET);
        DcpTestConnection dcp = producer(node, "flush")) {
      List<String> keys = keysOf(w, vb, "before-", 50);
      keys.forEach(k -> w.set(k, BucketWriter.value(k, 1)));
      w.flush();
      long high = w.highSeqnos().get(vb);
      long uuid = w.tokens().get(vb).uuid();

      StreamRecord stream = new StreamRecord(dcp.sendStreamRequest(vb, 0, 0, NO_END, 0, 0, 0));
      List<DcpTestConnection.Frame> frames = new ArrayList<>();
      dcp.expectSuccess(dcp.awaitResponse(stream.opaque, frames), "STREAM_REQ");
      frames.forEach(stream::accept);
      while (stream.lastSeqno < high) {
        stream.accept(dcp.read(DcpTestConnection.READ_TIMEOUT));
      }
      assertThat(stream.latest).hasSize(keys.size());

      ResponseFrame flushed = w.client().request(Opcode.FLUSH, 0, NONE, NONE, NONE);
      assertThat(flushed.isSuccess()).as("FLUSH: %s", flushed).isTrue();

      while (stream.streamEndReason < 0) {
        stream.accept(dcp.read(DcpTestConnection.READ_TIMEOUT));
      }
      assertThat(stream.streamEndReason).as("STREAM_END reason").isEqualTo(STATE_CHANGED);
      assertThat(stream.lastSeqno).as("nothing after the flush came as an item").isEqualTo(high);
      List<DcpTestConnection.Frame> after = new ArrayList<>();
      dcp.expectSuccess(dcp.awaitResponse(dcp.send(NOOP, 0, NONE, NONE, NONE), after), "NOOP");
      assertThat(after).as("nothing of the ended stream after its STREAM_END").isEmpty();

      // A client resuming where it was, on the history the flush ended: back to 0.
      int resume = dcp.sendStreamRequest(vb, 0, high, NO_END, uuid, high, high);
      DcpTestConnection.Frame rollback = dcp.awaitResponse(resume, after);
      assertThat(rollback.status()).as("STREAM_REQ with the old uuid").isEqualTo(ROLLBACK);
      assertThat(rollback.value()).hasSize(8);
      assertThat(ByteBuffer.wrap(rollback.value()).getLong()).as("rollback seqno").isZero();

      DcpTestConnection.Frame log = dcp.call(DCP_GET_FAILOVER_LOG, vb, NONE, NONE, NONE);
      dcp.expectSuccess(log, "DCP_GET_FAILOVER_LOG");
      assertThat(log.value()).as("one branch, begun by the flush").hasSize(16);
      ByteBuffer entry = ByteBuffer.wrap(log.value());
      long newUuid = entry.getLong();
      assertThat(newUuid).isNotEqualTo(uuid);
      assertThat(entry.getLong()).isZero();

      // From 0 on the new branch: none of the flushed keys, then what is written now.
      StreamRecord fresh = new StreamRecord(dcp.sendStreamRequest(vb, 0, 0, NO_END, newUuid, 0, 0));
      dcp.expectSuccess(dcp.awaitResponse(fresh.opaque, after), "STREAM_REQ after the flush");
      String key = keysOf(w, vb, "after-", 1).get(0);
      w.set(key, BucketWriter.value(key, 1));
      w.flush();
      after.forEach(fresh::accept);
      long newHigh = w.highSeqnos().get(vb);
      while (fresh.lastSeqno < newHigh) {
        fresh.accept(dcp.read(DcpTestConnection.READ_TIMEOUT));
      }
      assertThat(fresh.latest).containsOnlyKeys(key);
    }
  }

  @Test
  void aStreamToTheHighSeqnoAfterAFlushEndsThoughTheFlushDroppedWritesNeverPersisted() {
    int vb = 9;
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        BucketWriter w = writer(node, BUCKET);
        DcpTestConnection dcp = producer(node, "flush-unpersisted")) {
      BucketStorage storage = node.node().storage(BUCKET);
      Bucket bucket = node.node().buckets().get(BUCKET);
      keysOf(w, vb, "persisted-", 20).forEach(k -> w.set(k, BucketWriter.value(k, 1)));
      w.flush();
      assertThat(EmbeddedNode.await(Duration.ofSeconds(30), () -> storage.diskQueueSize() == 0))
          .isTrue();
      // The disk stops taking writes: the next one is acknowledged from memory only, and the
      // flush then drops it, so the disk never has the vBucket's last seqnos.
      storage.injectWriteFailure("IO error: injected by DcpLifecycleIT");
      String late = keysOf(w, vb, "late-", 1).get(0);
      w.set(late, BucketWriter.value(late, 1));
      w.flush();
      assertThat(
              EmbeddedNode.await(
                  Duration.ofSeconds(30), () -> bucket.writesRefusedBecause() != null))
          .as("the flusher failed to persist it")
          .isTrue();
      assertThat(w.client().request(Opcode.FLUSH, 0, NONE, NONE, NONE).isSuccess()).isTrue();
      long high = bucket.vbucket(vb).highSeqno();
      assertThat(high).isEqualTo(w.highSeqnos().get(vb));

      // What the official client does for "to now": end = the high seqno.
      StreamRecord stream = new StreamRecord(dcp.sendStreamRequest(vb, 0, 0, high, 0, 0, 0));
      List<DcpTestConnection.Frame> frames = new ArrayList<>();
      dcp.expectSuccess(dcp.awaitResponse(stream.opaque, frames), "STREAM_REQ");
      frames.forEach(stream::accept);
      while (stream.streamEndReason < 0) {
        stream.accept(dcp.read(DcpTestConnection.READ_TIMEOUT));
      }
      assertThat(stream.streamEndReason).as("STREAM_END reason OK").isZero();
      assertThat(stream.latest).as("nothing of the flushed documents").isEmpty();
      assertThat(stream.markers)
          .as("one disk snapshot up to the end seqno, empty")
          .singleElement()
          .satisfies(m -> assertThat(m.end()).isEqualTo(high));
      storage.injectWriteFailure(null);
    }
  }

  @Test
  void theOfficialClientRollsBackToZeroAfterAFlushAndFollowsTheEmptiedBucket() {
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        BucketWriter w = writer(node, BUCKET)) {
      for (int i = 0; i < 1_000; i++) {
        w.set("before-" + i, BucketWriter.value("before-" + i, 1));
      }
      w.flush();
      Map<Integer, Long> high = w.highSeqnos();
      assertThat(high).as("every vBucket has data").hasSize(w.numVBuckets());
      try (DcpClientFixture dcp =
          DcpClientFixture.connect(
                  node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET)
              .streamFromZeroToInfinity()) {
        dcp.awaitSeqnos(high);
        dcp.assertCleanStream();

        assertThat(w.client().request(Opcode.FLUSH, 0, NONE, NONE, NONE).isSuccess()).isTrue();
        // Each stream ends with STATE_CHANGED; the client asks again from where it was, on the
        // history the flush ended, and is told to roll back to 0.
        dcp.await(
            "a rollback for every vBucket",
            () -> dcp.rollbacks().stream().map(r -> r.vb()).distinct().count() == high.size());
        assertThat(dcp.rollbacks()).allSatisfy(r -> assertThat(r.seqno()).isZero());
        int before = dcp.changes().size();

        Map<String, Optional<String>> written = new HashMap<>();
        for (int i = 0; i < 500; i++) {
          w.set("after-" + i, BucketWriter.value("after-" + i, 1));
          written.put("after-" + i, Optional.of(BucketWriter.value("after-" + i, 1)));
        }
        w.flush();
        dcp.await(
            "the keys written after the flush",
            () -> dcp.latestByKey().keySet().containsAll(written.keySet()));
        List<DcpClientFixture.Change> since = dcp.changes().subList(before, dcp.changes().size());
        assertThat(since)
            .as("after the rollback: only what was written after the flush")
            .allSatisfy(c -> assertThat(c.key()).startsWith("after-"));
        assertThat(since.stream().map(DcpClientFixture.Change::key).distinct().count())
            .isEqualTo(written.size());
        assertThat(dcp.violations()).isEmpty();
        assertThat(dcp.failures()).isEmpty();
      }
    }
  }

  @Test
  void anEphemeralBucketStreamsEveryKeyFromZeroOutOfMemoryThenFollowsLiveWrites() {
    String bucket = "ephemeral";
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      node.node()
          .createBucket(
              new BucketSettings(
                  bucket,
                  BucketType.EPHEMERAL,
                  256,
                  node.node().options().defaultBucketVBuckets(),
                  true));
      try (BucketWriter w = writer(node, bucket)) {
        for (int i = 0; i < 5_000; i++) {
          w.set("e-" + i, BucketWriter.value("e-" + i, 1));
        }
        w.flush();
        for (int i = 0; i < 1_000; i++) {
          w.set("e-" + i, BucketWriter.value("e-" + i, 2));
        }
        for (int i = 1_000; i < 1_500; i++) {
          w.delete("e-" + i);
        }
        w.flush();
        // No stream was open: the log kept nothing, so the history lives only in the hash table.
        try (DcpClientFixture dcp =
            DcpClientFixture.connect(
                    node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, bucket)
                .streamFromZeroToInfinity()) {
          dcp.awaitSeqnos(w.highSeqnos());
          dcp.assertCleanStream();
          dcp.assertLatestStateMatches(w.expected());
          assertThat(dcp.changes())
              .as("one change per key: the table holds each key's current version only")
              .hasSize(5_000);
          Set<Integer> backfilled = new HashSet<>();
          for (SnapshotDetails s : dcp.snapshots()) {
            if ((s.getFlagsAsInt() & MARKER_DISK) != 0) {
              backfilled.add(s.getVbucket());
            }
          }
          assertThat(backfilled).as("a backfill snapshot per vBucket").hasSize(w.numVBuckets());

          for (int i = 0; i < 300; i++) {
            w.set("live-" + i, BucketWriter.value("live-" + i, 1));
          }
          for (int i = 1_500; i < 1_600; i++) {
            w.delete("e-" + i);
          }
          w.flush();
          dcp.awaitSeqnos(w.highSeqnos());
          dcp.assertCleanStream();
          dcp.assertLatestStateMatches(w.expected());
          assertThat(
                  dcp.snapshots().stream()
                      .filter(s -> (s.getFlagsAsInt() & MARKER_MEMORY) != 0)
                      .count())
              .as("live writes come from memory snapshots")
              .isPositive();
        }
      }
    }
  }

  @Test
  void aSecondConnectionWithTheSameNameReplacesTheFirst() {
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        DcpTestConnection first = producer(node, "same-name")) {
      List<DcpTestConnection.Frame> data = new ArrayList<>();
      int opaque = first.sendStreamRequest(0, 0, 0, NO_END, 0, 0, 0);
      first.expectSuccess(first.awaitResponse(opaque, data), "STREAM_REQ on the first");

      try (DcpTestConnection second = producer(node, "same-name")) {
        assertThat(first.awaitClosed(Duration.ofSeconds(10)))
            .as("the first connection is closed")
            .isTrue();
        assertThat(node.node().dcpConnections().all())
            .as("one producer of that name, the second")
            .singleElement()
            .satisfies(p -> assertThat(p.name()).isEqualTo("settee-test:same-name"));
        // The replacement serves streams, the vBucket the first one streamed included.
        int again = second.sendStreamRequest(0, 0, 0, NO_END, 0, 0, 0);
        second.expectSuccess(second.awaitResponse(again, data), "STREAM_REQ on the second");
        assertThat(second.call(NOOP, 0, NONE, NONE, NONE).status()).isZero();
      }
      assertThat(
              EmbeddedNode.await(
                  Duration.ofSeconds(10), () -> node.node().dcpConnections().all().isEmpty()))
          .as("closing the second leaves no producer behind")
          .isTrue();
    }
  }
}
