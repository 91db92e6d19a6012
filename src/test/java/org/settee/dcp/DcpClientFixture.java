package org.settee.dcp;

import com.couchbase.client.dcp.Client;
import com.couchbase.client.dcp.StreamFrom;
import com.couchbase.client.dcp.StreamTo;
import com.couchbase.client.dcp.highlevel.DatabaseChangeListener;
import com.couchbase.client.dcp.highlevel.Deletion;
import com.couchbase.client.dcp.highlevel.DocumentChange;
import com.couchbase.client.dcp.highlevel.FlowControlMode;
import com.couchbase.client.dcp.highlevel.Mutation;
import com.couchbase.client.dcp.highlevel.Rollback;
import com.couchbase.client.dcp.highlevel.SnapshotDetails;
import com.couchbase.client.dcp.highlevel.SnapshotMarker;
import com.couchbase.client.dcp.highlevel.StreamEnd;
import com.couchbase.client.dcp.highlevel.StreamFailure;
import com.couchbase.client.dcp.highlevel.StreamOffset;
import com.couchbase.client.dcp.message.OpenConnectionFlag;
import com.couchbase.client.dcp.message.StreamEndReason;
import com.couchbase.client.dcp.state.StateFormat;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.settee.testing.EmbeddedNode;

/**
 * One official DCP client ({@code com.couchbase.client:dcp-client}) streaming a bucket of a local
 * node, and a record of everything it delivered, checked as it arrives: seqnos must increase per
 * vBucket and every document change must lie inside the snapshot marker before it.
 *
 * <p>The listener runs on the client's own dispatch thread (one thread, events in order) and acks
 * every change after recording it ({@link FlowControlMode#MANUAL}), so that a flow-controlled
 * stream only moves on when the test has seen what came before. Waits poll a condition until a
 * deadline, never sleep blindly; a failed wait reports what the client did get.
 */
final class DcpClientFixture implements AutoCloseable {
  /** The longest any wait lasts: generous for 100k items on two cores, far below a hang. */
  static final Duration AWAIT = Duration.ofSeconds(90);

  /** vBucket ids are below 1024 in every Couchbase bucket. */
  private static final int MAX_VBUCKETS = 1024;

  /**
   * A document change as the test keeps it. {@code value} is null for deletions; {@code expiration}
   * marks a deletion the server sent as an expiry (DCP_EXPIRATION).
   */
  record Change(
      int vb,
      long seqno,
      String key,
      String value,
      boolean deletion,
      boolean expiration,
      StreamOffset at) {}

  /** A rollback the server asked for. */
  record RollbackSeen(int vb, long seqno, StreamOffset failedStart) {}

  private final Client client;
  private final ConcurrentLinkedQueue<Change> changes = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<RollbackSeen> rollbacks = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final Map<Integer, StreamEndReason> streamEnds = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<SnapshotDetails> snapshots = new ConcurrentLinkedQueue<>();
  private final Map<Integer, StreamOffset> lastOffsets = new ConcurrentHashMap<>();
  private final AtomicLongArray lastSeqno = new AtomicLongArray(MAX_VBUCKETS);

  /** The last snapshot marker per vBucket; only the dispatch thread writes it. */
  private final SnapshotMarker[] currentMarker = new SnapshotMarker[MAX_VBUCKETS];

  /** Unless a test expects expirations, one arriving is a violation. */
  private volatile boolean expirationsExpected;

  private DcpClientFixture(Client client) {
    this.client = client;
  }

  /**
   * Builds a client for {@code bucket} on 127.0.0.1:{@code kvPort} (a seed node's port is its KV
   * port to this client; it needs no management port) and connects it. {@code options} may add flow
   * control or controls. Throws what {@link Client#connect()} throws when bootstrap fails.
   */
  static DcpClientFixture connect(
      int kvPort, String user, String password, String bucket, Consumer<Client.Builder> options) {
    Client.Builder b =
        Client.builder()
            .seedNodes("127.0.0.1:" + kvPort)
            .credentials(user, password)
            .bucket(bucket)
            .userAgent("settee-dcp-it", "1");
    options.accept(b);
    DcpClientFixture f = new DcpClientFixture(b.build());
    f.client.listener(f.new Recorder(), FlowControlMode.MANUAL);
    // A failed connect() has already disconnected the client (and a second disconnect would
    // wait for nothing); its own bootstrap timeout ends it well before AWAIT.
    f.client.connect().block(AWAIT);
    return f;
  }

  static DcpClientFixture connect(int kvPort, String user, String password, String bucket) {
    return connect(kvPort, user, password, bucket, b -> {});
  }

  /**
   * Builder option: DCP_OPEN with include-delete-times (0x20). kv_engine sends expirations only to
   * connections opened so (enable_expiry_opcode alone is accepted and silently stays off), and
   * dcp-client 0.56.0 has that flag ({@link OpenConnectionFlag#INCLUDE_DELETE_TIMES}) but no setter
   * for it: it is added to the builder's flag set directly, so that the real client's parsing of
   * expirations and V2 deletions is what the test exercises.
   */
  @SuppressWarnings("unchecked")
  static void includeDeleteTimes(Client.Builder b) {
    try {
      Field flags = Client.Builder.class.getDeclaredField("connectionFlags");
      flags.setAccessible(true);
      ((Set<OpenConnectionFlag>) flags.get(b)).add(OpenConnectionFlag.INCLUDE_DELETE_TIMES);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("dcp-client's Builder has no connectionFlags set any more", e);
    }
  }

  /** From now on expirations are expected, not violations. */
  DcpClientFixture expectExpirations() {
    expirationsExpected = true;
    return this;
  }

  Client client() {
    return client;
  }

  /** Streams every vBucket from seqno 0 up to its high seqno at this moment, then ends. */
  DcpClientFixture streamFromZeroToNow() {
    client.initializeState(StreamFrom.BEGINNING, StreamTo.NOW).block(AWAIT);
    client.startStreaming().block(AWAIT);
    return this;
  }

  /** Streams every vBucket from seqno 0 and keeps following it. */
  DcpClientFixture streamFromZeroToInfinity() {
    client.initializeState(StreamFrom.BEGINNING, StreamTo.INFINITY).block(AWAIT);
    client.startStreaming().block(AWAIT);
    return this;
  }

  /** Resumes every listed vBucket from its offset (the client's non-deprecated resume API). */
  DcpClientFixture resume(Map<Integer, StreamOffset> offsets) {
    client.resumeStreaming(offsets).block(AWAIT);
    return this;
  }

  /**
   * Restores a session state exported as JSON by an earlier client and streams from it. The client
   * deprecates this pair of calls in favour of offsets the application tracks itself, but
   * connectors still persist it, so it must keep working.
   */
  @SuppressWarnings("deprecation")
  DcpClientFixture recover(byte[] exportedState) {
    client.recoverState(StateFormat.JSON, exportedState).block(AWAIT);
    client.startStreaming().block(AWAIT);
    return this;
  }

  /** The client's whole session state (failover logs, seqnos, snapshots) as JSON. */
  @SuppressWarnings("deprecation")
  byte[] exportState() {
    return client.sessionState().export(StateFormat.JSON);
  }

  int numPartitions() {
    return client.numPartitions();
  }

  // ---- what was recorded ----

  List<Change> changes() {
    return List.copyOf(changes);
  }

  List<RollbackSeen> rollbacks() {
    return List.copyOf(rollbacks);
  }

  /** Seqno order and snapshot coverage violations, in the order they were seen. */
  List<String> violations() {
    return List.copyOf(violations);
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  Map<Integer, StreamEndReason> streamEnds() {
    return Map.copyOf(streamEnds);
  }

  List<SnapshotDetails> snapshots() {
    return List.copyOf(snapshots);
  }

  long lastSeqno(int vb) {
    return lastSeqno.get(vb);
  }

  /**
   * The offset of the last change per vBucket: where a restarted application would resume. The
   * client can hand out a stream's first changes before it has applied the failover log that came
   * with the stream request's response (their offsets then carry vBucket UUID 0, which a server
   * rightly answers with a rollback); such an offset gets the UUID the client knows by now.
   */
  @SuppressWarnings("deprecation")
  Map<Integer, StreamOffset> lastOffsets() {
    Map<Integer, StreamOffset> out = new java.util.HashMap<>();
    lastOffsets.forEach(
        (vb, o) -> {
          long uuid =
              o.getVbuuid() != 0 ? o.getVbuuid() : client.sessionState().get(vb).getLastUuid();
          out.put(
              vb,
              new StreamOffset(uuid, o.getSeqno(), o.getSnapshot(), o.getCollectionsManifestUid()));
        });
    return Map.copyOf(out);
  }

  /** The latest change per key, in stream order per vBucket (a key lives in one vBucket). */
  Map<String, Change> latestByKey() {
    Map<String, Change> latest = new HashMap<>();
    for (Change c : changes) {
      latest.put(c.key(), c);
    }
    return latest;
  }

  /**
   * Fails unless every key in {@code expected} has, as its latest change, its latest value (or a
   * deletion if it was deleted), and no key outside it came at all.
   */
  void assertLatestStateMatches(Map<String, Optional<String>> expected) {
    Map<String, Change> latest = latestByKey();
    List<String> wrong = new ArrayList<>();
    expected.forEach(
        (key, value) -> {
          Change c = latest.get(key);
          if (c == null) {
            wrong.add(key + ": never streamed");
          } else if (value.isEmpty() && !c.deletion()) {
            wrong.add(key + ": deleted, but its last change is a mutation " + c.value());
          } else if (value.isPresent() && (c.deletion() || !value.get().equals(c.value()))) {
            wrong.add(key + ": expected " + value.get() + ", last change " + c);
          }
        });
    latest.keySet().stream()
        .filter(k -> !expected.containsKey(k))
        .forEach(k -> wrong.add(k + ": streamed but never written"));
    if (!wrong.isEmpty()) {
      throw new AssertionError(
          wrong.size()
              + " keys wrong, e.g. "
              + wrong.subList(0, Math.min(10, wrong.size()))
              + diagnostics());
    }
  }

  /** Fails on any seqno-order or snapshot violation, stream failure or unexpected rollback. */
  void assertCleanStream() {
    if (!violations.isEmpty() || !failures.isEmpty() || !rollbacks.isEmpty()) {
      throw new AssertionError("the stream was not clean:" + diagnostics());
    }
  }

  // ---- waits ----

  /** Waits until {@code n} vBuckets have ended with reason OK (a stream to a fixed end). */
  void awaitStreamsEndedOk(int n) {
    await(
        n + " streams ended OK",
        () -> streamEnds.values().stream().filter(StreamEndReason.OK::equals).count() >= n);
  }

  /** Waits until every listed vBucket has delivered a change at or after its seqno. */
  void awaitSeqnos(Map<Integer, Long> target) {
    await(
        "every vBucket at its target seqno " + target,
        () -> target.entrySet().stream().allMatch(e -> lastSeqno.get(e.getKey()) >= e.getValue()));
  }

  void await(String what, BooleanSupplier condition) {
    if (!EmbeddedNode.await(AWAIT, condition)) {
      throw new AssertionError("timed out after " + AWAIT + " waiting for " + what + diagnostics());
    }
  }

  /** What the client got, for failure messages. */
  String diagnostics() {
    return "\n  changes: "
        + changes.size()
        + "\n  stream ends: "
        + streamEnds
        + "\n  rollbacks: "
        + List.copyOf(rollbacks)
        + "\n  failures: "
        + List.copyOf(failures)
        + "\n  violations (first 10): "
        + violations.stream().limit(10).toList();
  }

  @Override
  public void close() {
    client.disconnect().block(Duration.ofSeconds(30));
  }

  /** Records and checks events on the client's dispatch thread. */
  private final class Recorder implements DatabaseChangeListener {
    @Override
    public void onMutation(Mutation mutation) {
      record(mutation, new String(mutation.getContent(), StandardCharsets.UTF_8), false, false);
    }

    @Override
    public void onDeletion(Deletion deletion) {
      if (deletion.isDueToExpiration() && !expirationsExpected) {
        violations.add("an expiration for " + deletion.getKey() + ": nothing here expires");
      }
      record(deletion, null, true, deletion.isDueToExpiration());
    }

    private void record(DocumentChange change, String value, boolean deletion, boolean expiration) {
      try {
        int vb = change.getVbucket();
        long seqno = change.getOffset().getSeqno();
        long previous = lastSeqno.get(vb);
        if (Long.compareUnsigned(seqno, previous) <= 0) {
          violations.add(
              "vb "
                  + vb
                  + ": seqno "
                  + seqno
                  + " after "
                  + previous
                  + " ("
                  + change.getKey()
                  + ")");
        }
        SnapshotMarker marker = currentMarker[vb];
        if (marker == null) {
          violations.add("vb " + vb + ": seqno " + seqno + " before any snapshot marker");
        } else if (seqno < marker.getStartSeqno() || seqno > marker.getEndSeqno()) {
          violations.add("vb " + vb + ": seqno " + seqno + " outside its snapshot " + marker);
        }
        lastSeqno.set(vb, seqno);
        lastOffsets.put(vb, change.getOffset());
        changes.add(
            new Change(
                vb, seqno, change.getKey(), value, deletion, expiration, change.getOffset()));
      } finally {
        // Ack after recording: with flow control, the server may only send on once we have it.
        change.flowControlAck();
      }
    }

    @Override
    public void onSnapshot(SnapshotDetails snapshot) {
      int vb = snapshot.getVbucket();
      SnapshotMarker marker = snapshot.getMarker();
      SnapshotMarker previous = currentMarker[vb];
      if (marker.getStartSeqno() > marker.getEndSeqno()) {
        violations.add("vb " + vb + ": snapshot marker " + marker + " starts after it ends");
      }
      if (previous != null && marker.getStartSeqno() <= previous.getEndSeqno()) {
        violations.add("vb " + vb + ": snapshot marker " + marker + " overlaps " + previous);
      }
      currentMarker[vb] = marker;
      snapshots.add(snapshot);
    }

    @Override
    public void onRollback(Rollback rollback) {
      rollbacks.add(
          new RollbackSeen(
              rollback.getVbucket(), rollback.getSeqno(), rollback.getFailedStartOffset()));
      // What the client does by default: reopen the stream from the rollback seqno. The new stream
      // starts a new marker sequence and may legitimately resend anything after that seqno.
      currentMarker[rollback.getVbucket()] = null;
      lastSeqno.set(rollback.getVbucket(), rollback.getSeqno());
      rollback.resume();
    }

    @Override
    public void onStreamEnd(StreamEnd streamEnd) {
      streamEnds.put(streamEnd.getVbucket(), streamEnd.getReason());
    }

    @Override
    public void onFailure(StreamFailure failure) {
      failures.add("vb " + failure.getVbucket() + ": " + failure.getCause());
    }
  }
}
