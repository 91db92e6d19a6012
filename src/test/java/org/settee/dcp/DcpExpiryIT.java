package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.settee.dcp.DcpTestConnection.DCP_DELETION;
import static org.settee.dcp.DcpTestConnection.DCP_EXPIRATION;
import static org.settee.dcp.DcpTestConnection.DCP_MUTATION;
import static org.settee.dcp.DcpTestConnection.DCP_SNAPSHOT_MARKER;
import static org.settee.dcp.DcpTestConnection.DCP_STREAM_END;
import static org.settee.dcp.DcpTestConnection.FLAG_INCLUDE_DELETE_TIMES;
import static org.settee.dcp.DcpTestConnection.FLAG_PRODUCER;

import com.couchbase.client.dcp.Client;
import com.couchbase.client.dcp.config.DcpControl;
import com.couchbase.client.dcp.highlevel.SnapshotDetails;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.Bucket;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.util.ManualClock;

/**
 * Documents removed by their expiry reach DCP as expirations (DCP_EXPIRATION, 0x59) for a
 * connection that enabled the expiry opcode, as deletions for every other, whether the stream
 * follows memory or reads them back from disk, before and after a restart. As in kv_engine, the
 * opcode needs DCP_OPEN's include-delete-times: enable_expiry_opcode alone, all a dcp-client 0.56.0
 * application can set, is accepted and leaves expiries as deletions. The node's clock is a {@link
 * ManualClock}: time moves when the test says.
 */
class DcpExpiryIT {
  static final String BUCKET = EmbeddedNode.DEFAULT_BUCKET;
  static final int TTL_SECONDS = 100;
  static final int KEYS = 300;

  /** Expired by the pager, expired by a read, deleted, and never expiring: 300 of each kind. */
  static final String PAGED = "paged-";

  static final String READ = "read-";
  static final String DELETED = "deleted-";
  static final String KEPT = "kept-";

  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(System.currentTimeMillis());

  private EmbeddedNode start() {
    return EmbeddedNode.start(dir, b -> b.clock(clock));
  }

  private static BucketWriter writer(EmbeddedNode node) {
    return BucketWriter.open(node.kvPort(), node.node().options().defaultBucketVBuckets(), BUCKET);
  }

  /** The connection kv sends expirations to: expiry opcode enabled, delete times included. */
  private static final Consumer<Client.Builder> EXPIRY_OPCODE =
      b -> {
        DcpClientFixture.includeDeleteTimes(b);
        b.controlParam(DcpControl.Names.ENABLE_EXPIRY_OPCODE, true);
      };

  /** All a dcp-client application can ask for: the control, without delete times. */
  private static final Consumer<Client.Builder> CONTROL_ONLY =
      b -> b.controlParam(DcpControl.Names.ENABLE_EXPIRY_OPCODE, true);

  private static DcpClientFixture client(EmbeddedNode node, Consumer<Client.Builder> options) {
    return DcpClientFixture.connect(
            node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET, options)
        .expectExpirations();
  }

  /** Writes the four kinds: documents with a TTL, documents then deleted, documents kept. */
  private static void load(BucketWriter w) {
    for (int i = 0; i < KEYS; i++) {
      w.set(PAGED + i, BucketWriter.value(PAGED + i, 1), TTL_SECONDS);
      w.set(READ + i, BucketWriter.value(READ + i, 1), TTL_SECONDS);
      w.set(DELETED + i, BucketWriter.value(DELETED + i, 1));
      w.set(KEPT + i, BucketWriter.value(KEPT + i, 1));
    }
    w.flush();
    for (int i = 0; i < KEYS; i++) {
      w.delete(DELETED + i);
    }
    w.flush();
  }

  /**
   * Moves past the TTL; a read finds each {@link #READ} document expired, then the expiry pager
   * expires the {@link #PAGED} ones.
   */
  private void expire(EmbeddedNode node, BucketWriter w) {
    clock.advanceSeconds(TTL_SECONDS + 1);
    for (int i = 0; i < KEYS; i++) {
      assertThat(w.client().get(READ + i).status()).isEqualTo(Status.KEY_ENOENT);
    }
    node.node().runExpiryPager();
  }

  /** Every vBucket's high seqno, from the node (expiries have no client token). */
  private static Map<Integer, Long> highSeqnos(EmbeddedNode node) {
    Bucket bucket = node.node().buckets().get(BUCKET);
    Map<Integer, Long> high = new HashMap<>();
    for (int vb = 0; vb < bucket.numVBuckets(); vb++) {
      high.put(vb, bucket.vbucket(vb).highSeqno());
    }
    return high;
  }

  /**
   * Fails unless each key's last change is of its kind: expired keys expirations ({@code
   * expirations}) or plain deletions, deleted keys plain deletions, kept keys their value.
   */
  private static void assertKinds(DcpClientFixture dcp, boolean expirations) {
    Map<String, DcpClientFixture.Change> latest = dcp.latestByKey();
    assertThat(latest).hasSize(4 * KEYS);
    for (int i = 0; i < KEYS; i++) {
      for (String expired : List.of(PAGED + i, READ + i)) {
        DcpClientFixture.Change c = latest.get(expired);
        assertThat(c.deletion()).as("%s is gone: %s", expired, c).isTrue();
        assertThat(c.expiration())
            .as("%s came as an expiration: %s", expired, c)
            .isEqualTo(expirations);
      }
      DcpClientFixture.Change deleted = latest.get(DELETED + i);
      assertThat(deleted.deletion()).isTrue();
      assertThat(deleted.expiration()).as("a delete is never an expiration: %s", deleted).isFalse();
      DcpClientFixture.Change kept = latest.get(KEPT + i);
      assertThat(kept.deletion()).isFalse();
      assertThat(kept.value()).isEqualTo(BucketWriter.value(KEPT + i, 1));
    }
  }

  @Test
  void liveExpiriesComeAsExpirationsOnlyToTheConnectionThatAskedForThem() {
    try (EmbeddedNode node = start();
        BucketWriter w = writer(node);
        DcpClientFixture withOpcode = client(node, EXPIRY_OPCODE).streamFromZeroToInfinity();
        DcpClientFixture controlOnly = client(node, CONTROL_ONLY).streamFromZeroToInfinity();
        DcpClientFixture plain = client(node, b -> {}).streamFromZeroToInfinity()) {
      load(w);
      List<DcpClientFixture> all = List.of(withOpcode, controlOnly, plain);
      all.forEach(dcp -> dcp.awaitSeqnos(w.highSeqnos()));
      int caughtUp = withOpcode.changes().size();

      expire(node, w);
      Map<Integer, Long> high = highSeqnos(node);
      all.forEach(dcp -> dcp.awaitSeqnos(high));

      for (DcpClientFixture dcp : all) {
        dcp.assertCleanStream();
      }
      assertKinds(withOpcode, true);
      assertKinds(controlOnly, false);
      assertKinds(plain, false);
      assertThat(withOpcode.changes().subList(caughtUp, withOpcode.changes().size()))
          .as("the expiries came live, after the catch-up")
          .hasSize(2 * KEYS)
          .allSatisfy(c -> assertThat(c.expiration()).isTrue());
    }
  }

  @Test
  void expiriesReadBackFromDiskKeepTheirKindBeforeAndAfterARestart() {
    try (EmbeddedNode node = start();
        BucketWriter w = writer(node)) {
      load(w);
      expire(node, w);
      assertThat(
              EmbeddedNode.await(
                  Duration.ofSeconds(30), () -> node.node().storage(BUCKET).diskQueueSize() == 0))
          .as("the expiries are on disk")
          .isTrue();
      streamFromDisk(node, EXPIRY_OPCODE, true);
      streamFromDisk(node, CONTROL_ONLY, false);
      streamFromDisk(node, b -> {}, false);
    }
    try (EmbeddedNode node = start()) {
      streamFromDisk(node, EXPIRY_OPCODE, true);
      streamFromDisk(node, b -> {}, false);
    }
  }

  /** Streams the whole bucket from 0 to now: with nothing written since, all of it from disk. */
  private static void streamFromDisk(
      EmbeddedNode node, Consumer<Client.Builder> options, boolean expirations) {
    try (DcpClientFixture dcp = client(node, options).streamFromZeroToNow()) {
      dcp.awaitStreamsEndedOk(dcp.numPartitions());
      dcp.assertCleanStream();
      assertKinds(dcp, expirations);
      assertThat(dcp.snapshots())
          .as("disk snapshots only")
          .allSatisfy(s -> assertThat(s.getFlagsAsInt() & 0x02).as("%s", s).isNotZero());
      assertThat(dcp.snapshots().stream().map(SnapshotDetails::getVbucket).distinct().count())
          .isEqualTo(dcp.numPartitions());
    }
  }

  @Test
  void onTheWireAnExpirationCarriesItsSeqnosAndDeleteTimeInTwentyBytesOfExtras() {
    try (EmbeddedNode node = start();
        BucketWriter w = writer(node)) {
      String expiring = "wire-expiring";
      String deleted = "wire-deleted";
      int vb = w.vbucketOf(expiring);
      w.set(expiring, BucketWriter.value(expiring, 1), TTL_SECONDS);
      w.flush();
      w.set(expiring, BucketWriter.value(expiring, 2), TTL_SECONDS); // rev seqno 2
      w.flush();
      long expiredAt = clock.currentTimeSeconds() + TTL_SECONDS + 1;
      clock.advanceSeconds(TTL_SECONDS + 1);
      node.node().runExpiryPager();
      long expirySeqno = node.node().buckets().get(BUCKET).vbucket(vb).highSeqno();

      // With delete times and the opcode: DCP_EXPIRATION.
      DcpTestConnection.Frame expiration =
          deletionOf(node, FLAG_PRODUCER | FLAG_INCLUDE_DELETE_TIMES, true, vb, expiring);
      assertThat(expiration.opcode()).isEqualTo(DCP_EXPIRATION);
      assertThat(expiration.extras()).as("by-seqno, rev-seqno, delete time").hasSize(20);
      assertThat(expiration.extrasLong(0)).isEqualTo(expirySeqno);
      assertThat(expiration.extrasLong(8)).as("rev seqno").isEqualTo(3);
      assertThat(ByteBuffer.wrap(expiration.extras()).getInt(16) & 0xffffffffL)
          .as("delete time: when it expired")
          .isEqualTo(expiredAt);
      assertThat(expiration.value()).isEmpty();
      assertThat(expiration.cas()).isNotZero();

      // With delete times but without the opcode: a V2 deletion.
      DcpTestConnection.Frame v2 =
          deletionOf(node, FLAG_PRODUCER | FLAG_INCLUDE_DELETE_TIMES, false, vb, expiring);
      assertThat(v2.opcode()).isEqualTo(DCP_DELETION);
      assertThat(v2.extras()).hasSize(21);
      assertThat(ByteBuffer.wrap(v2.extras()).getInt(16) & 0xffffffffL).isEqualTo(expiredAt);

      // The opcode without delete times stays off, as in kv_engine: a V1 deletion.
      DcpTestConnection.Frame v1 = deletionOf(node, FLAG_PRODUCER, true, vb, expiring);
      assertThat(v1.opcode()).isEqualTo(DCP_DELETION);
      assertThat(v1.extras()).hasSize(18);
      assertThat(v1.extrasLong(0)).isEqualTo(expirySeqno);

      // A delete is a deletion even for a connection that takes expirations.
      int deletedVb = w.vbucketOf(deleted);
      w.set(deleted, BucketWriter.value(deleted, 1));
      w.flush();
      w.delete(deleted);
      w.flush();
      DcpTestConnection.Frame deletion =
          deletionOf(node, FLAG_PRODUCER | FLAG_INCLUDE_DELETE_TIMES, true, deletedVb, deleted);
      assertThat(deletion.opcode()).isEqualTo(DCP_DELETION);
      assertThat(deletion.extras()).hasSize(21);
    }
  }

  /**
   * Streams {@code vb} from 0 to its high seqno on a new connection opened with {@code openFlags}
   * (and enable_expiry_opcode if asked) and returns the one deletion or expiration of {@code key}.
   */
  private static DcpTestConnection.Frame deletionOf(
      EmbeddedNode node, int openFlags, boolean expiryOpcode, int vb, String key) {
    long high = node.node().buckets().get(BUCKET).vbucket(vb).highSeqno();
    try (DcpTestConnection c =
        DcpTestConnection.open(
            node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET)) {
      String name = "settee-test:" + key + "-" + openFlags + (expiryOpcode ? "-opcode" : "");
      c.expectSuccess(c.dcpOpen(name, openFlags), "DCP_OPEN");
      if (expiryOpcode) {
        c.expectSuccess(c.control("enable_expiry_opcode", "true"), "enable_expiry_opcode");
      }
      int opaque = c.sendStreamRequest(vb, 0, 0, high, 0, 0, 0);
      List<DcpTestConnection.Frame> frames = new ArrayList<>();
      c.expectSuccess(c.awaitResponse(opaque, frames), "STREAM_REQ");
      List<DcpTestConnection.Frame> removals = new ArrayList<>();
      while (true) {
        DcpTestConnection.Frame f =
            frames.isEmpty() ? c.read(DcpTestConnection.READ_TIMEOUT) : frames.remove(0);
        if (f.opcode() == DCP_STREAM_END) {
          break;
        }
        assertThat(f.opcode())
            .isIn(DCP_SNAPSHOT_MARKER, DCP_MUTATION, DCP_DELETION, DCP_EXPIRATION);
        if ((f.opcode() == DCP_DELETION || f.opcode() == DCP_EXPIRATION)
            && f.keyText().equals(key)) {
          removals.add(f);
        }
      }
      assertThat(removals).as("the removal of %s", key).hasSize(1);
      return removals.get(0);
    }
  }
}
