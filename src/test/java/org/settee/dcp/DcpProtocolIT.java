package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.settee.dcp.DcpTestConnection.DCP_BUFFER_ACK;
import static org.settee.dcp.DcpTestConnection.DCP_CLOSE_STREAM;
import static org.settee.dcp.DcpTestConnection.DCP_GET_FAILOVER_LOG;
import static org.settee.dcp.DcpTestConnection.DCP_MUTATION;
import static org.settee.dcp.DcpTestConnection.DCP_NOOP;
import static org.settee.dcp.DcpTestConnection.DCP_SNAPSHOT_MARKER;
import static org.settee.dcp.DcpTestConnection.DCP_STREAM_END;
import static org.settee.dcp.DcpTestConnection.FLAG_PRODUCER;
import static org.settee.dcp.DcpTestConnection.GET_ALL_VB_SEQNOS;
import static org.settee.dcp.DcpTestConnection.NOOP;
import static org.settee.dcp.DcpTestConnection.NO_END;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.testing.EmbeddedNode;

/**
 * DCP on the wire, for what the official client never sends or never checks: refused flags and
 * controls, silent buffer acks, stream-request validation, the layouts of GET_ALL_VB_SEQNOS and
 * DCP_GET_FAILOVER_LOG, STREAM_END at an end seqno, and noops with the idle disconnect (dcp.md).
 */
class DcpProtocolIT {
  static final String BUCKET = EmbeddedNode.DEFAULT_BUCKET;
  static final int EINVAL = 0x04;
  static final int KEY_ENOENT = 0x01;
  static final int KEY_EEXISTS = 0x02;
  static final int ERANGE = 0x22;
  static final int NOT_SUPPORTED = 0x83;
  static final byte[] NONE = new byte[0];

  @TempDir static Path dir;
  static EmbeddedNode node;
  static int vbuckets;
  static Map<Integer, Long> high;
  static Map<Integer, BucketWriter.Token> tokens;
  static Map<Integer, Set<String>> keysByVb;

  @BeforeAll
  static void start() {
    node = EmbeddedNode.start(dir);
    vbuckets = node.node().options().defaultBucketVBuckets();
    try (BucketWriter w = BucketWriter.open(node.kvPort(), vbuckets, BUCKET)) {
      for (int i = 0; i < 2_000; i++) {
        w.set("p-" + i, BucketWriter.value("p-" + i, 1));
      }
      w.flush();
      high = w.highSeqnos();
      tokens = w.tokens();
      keysByVb =
          w.expected().keySet().stream()
              .collect(Collectors.groupingBy(w::vbucketOf, Collectors.toSet()));
    }
    assertThat(high).as("every vBucket has items").hasSize(vbuckets);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static DcpTestConnection connect() {
    return DcpTestConnection.open(
        node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET);
  }

  private static DcpTestConnection producer(String name) {
    return connect().openProducer("settee-test:" + name);
  }

  @Test
  void dcpOpenWithAnUnknownOrRetiredFlagIsInvalid() {
    try (DcpTestConnection c = connect()) {
      assertThat(c.dcpOpen("settee-test:unknown-flag", FLAG_PRODUCER | 0x0400).status())
          .as("unknown bit 0x400")
          .isEqualTo(EINVAL);
    }
    try (DcpTestConnection c = connect()) {
      assertThat(c.dcpOpen("settee-test:notifier", 0x02).status())
          .as("the retired notifier flag")
          .isEqualTo(EINVAL);
    }
  }

  @Test
  void dcpControlAcceptsWhatTheClientSendsAndRefusesTheRest() {
    try (DcpTestConnection c = producer("controls")) {
      // What the Java client sends by default, and with flow control on.
      assertThat(c.control("enable_noop", "true").status()).isZero();
      assertThat(c.control("set_noop_interval", "120").status()).isZero();
      assertThat(c.control("connection_buffer_size", "1048576").status()).isZero();
      assertThat(c.control("no_such_control", "true").status()).as("unknown key").isEqualTo(EINVAL);
      assertThat(c.control("stream_buffer_size", "1024").status())
          .as("per-stream flow control was never implemented by Couchbase")
          .isEqualTo(NOT_SUPPORTED);
    }
  }

  @Test
  void dcpControlAcceptsTheOptionalControlsCouchbaseAccepts() {
    try (DcpTestConnection c = producer("optional-controls")) {
      // Applications set these through the client's controlParam; kv's producer accepts them
      // all (enable_expiry_opcode silently stays off without include-delete-times).
      for (String[] kv :
          new String[][] {
            {"set_priority", "high"},
            {"supports_cursor_dropping", "true"},
            {"send_stream_end_on_client_close_stream", "true"},
            {"enable_expiry_opcode", "true"},
            {"set_noop_interval", "0.5"}
          }) {
        assertThat(c.control(kv[0], kv[1]).status()).as("%s=%s", kv[0], kv[1]).isZero();
      }
    }
  }

  @Test
  void closingAStreamWithStreamEndOnCloseEndsItWithReasonClosed() {
    try (DcpTestConnection c = producer("close-with-end")) {
      assertThat(c.control("send_stream_end_on_client_close_stream", "true").status()).isZero();
      int stream = c.sendStreamRequest(4, 0, 0, NO_END, 0, 0, 0);
      List<DcpTestConnection.Frame> data = new ArrayList<>();
      c.expectSuccess(c.awaitResponse(stream, data), "STREAM_REQ");
      int close = c.send(DCP_CLOSE_STREAM, 4, NONE, NONE, NONE);
      c.expectSuccess(c.awaitResponse(close, data), "DCP_CLOSE_STREAM");
      // Messages queued before the close may still come; the stream then ends with CLOSED (1).
      DcpTestConnection.Frame f;
      do {
        f = c.read(DcpTestConnection.READ_TIMEOUT);
        assertThat(f.isRequest()).as("a stream message: %s", f).isTrue();
        assertThat(f.opaque()).isEqualTo(stream);
      } while (f.opcode() != DCP_STREAM_END);
      assertThat(ByteBuffer.wrap(f.extras()).getInt()).as("reason CLOSED").isEqualTo(1);
      assertThat(c.call(DCP_CLOSE_STREAM, 4, NONE, NONE, NONE).status())
          .as("the stream is gone")
          .isEqualTo(KEY_ENOENT);
    }
  }

  @Test
  void aBufferAcknowledgementGetsNoResponse() {
    try (DcpTestConnection c = producer("buffer-ack")) {
      assertThat(c.control("connection_buffer_size", "1048576").status()).isZero();
      int ack = c.send(DCP_BUFFER_ACK, 0, ByteBuffer.allocate(4).putInt(100).array(), NONE, NONE);
      // Responses come in request order: if the ack were answered, its response would come
      // before the NOOP's, and awaitResponse fails on a response to another opaque.
      DcpTestConnection.Frame noop = c.call(NOOP, 0, NONE, NONE, NONE);
      assertThat(noop.opcode()).isEqualTo(NOOP);
      assertThat(noop.opaque()).isNotEqualTo(ack);
      assertThat(noop.status()).isZero();
    }
  }

  @Test
  void aStreamRequestStartingAfterItsEndIsOutOfRange() {
    try (DcpTestConnection c = producer("erange")) {
      int opaque = c.sendStreamRequest(0, 0, 10, 5, 0, 10, 10);
      assertThat(c.awaitResponse(opaque, new ArrayList<>()).status()).isEqualTo(ERANGE);
    }
  }

  @Test
  void aSecondStreamRequestForAnOpenStreamIsRefusedWithKeyExists() {
    try (DcpTestConnection c = producer("twice")) {
      List<DcpTestConnection.Frame> data = new ArrayList<>();
      int first = c.sendStreamRequest(1, 0, 0, NO_END, 0, 0, 0);
      assertThat(c.awaitResponse(first, data).status()).isZero();
      int second = c.sendStreamRequest(1, 0, 0, NO_END, 0, 0, 0);
      assertThat(c.awaitResponse(second, data).status()).isEqualTo(KEY_EEXISTS);
    }
  }

  @Test
  void closingAStreamThatDoesNotExistIsKeyNotFound() {
    try (DcpTestConnection c = producer("close-none")) {
      assertThat(c.call(DCP_CLOSE_STREAM, 3, NONE, NONE, NONE).status()).isEqualTo(KEY_ENOENT);
    }
  }

  @Test
  void getAllVbSeqnosListsEveryVBucketInOrderTenBytesEach() {
    try (DcpTestConnection c = producer("all-seqnos")) {
      // No extras: every "alive" vBucket; 4-byte extras 1: active ones. On one node both are all.
      for (byte[] extras : List.of(NONE, ByteBuffer.allocate(4).putInt(1).array())) {
        DcpTestConnection.Frame r = c.call(GET_ALL_VB_SEQNOS, 0, extras, NONE, NONE);
        c.expectSuccess(r, "GET_ALL_VB_SEQNOS with " + extras.length + " bytes of extras");
        assertThat(r.value()).hasSize(10 * vbuckets);
        ByteBuffer b = ByteBuffer.wrap(r.value());
        for (int vb = 0; vb < vbuckets; vb++) {
          assertThat(b.getShort() & 0xffff).as("sorted by vBucket").isEqualTo(vb);
          assertThat(b.getLong()).as("high seqno of vb %d", vb).isEqualTo(high.get(vb));
        }
      }
    }
  }

  @Test
  void theFailoverLogOfAFreshVBucketIsItsUuidFromSeqnoZero() {
    try (DcpTestConnection c = producer("failover-log")) {
      for (int vb : List.of(0, 7, vbuckets - 1)) {
        DcpTestConnection.Frame r = c.call(DCP_GET_FAILOVER_LOG, vb, NONE, NONE, NONE);
        c.expectSuccess(r, "DCP_GET_FAILOVER_LOG vb " + vb);
        assertThat(r.value()).as("one 16-byte entry").hasSize(16);
        ByteBuffer b = ByteBuffer.wrap(r.value());
        assertThat(b.getLong())
            .as("uuid = the mutation tokens' uuid")
            .isEqualTo(tokens.get(vb).uuid());
        assertThat(b.getLong()).as("the branch starts at 0").isZero();
      }
    }
  }

  @Test
  void aStreamWithAnEndSeqnoEndsWithReasonOkAfterItsLastItem() {
    int vb = 5;
    long end = high.get(vb);
    try (DcpTestConnection c = producer("to-end")) {
      int opaque = c.sendStreamRequest(vb, 0, 0, end, 0, 0, 0);
      List<DcpTestConnection.Frame> early = new ArrayList<>();
      DcpTestConnection.Frame response = c.awaitResponse(opaque, early);
      c.expectSuccess(response, "STREAM_REQ");
      assertThat(early).as("nothing of the stream before its response").isEmpty();
      assertThat(response.value().length % 16).as("the failover log, 16 bytes per entry").isZero();
      assertThat(response.value().length).isPositive();

      long markerStart = -1;
      long markerEnd = -1;
      long last = 0;
      Set<String> keys = new HashSet<>();
      DcpTestConnection.Frame f;
      while (true) {
        f = c.read(DcpTestConnection.READ_TIMEOUT);
        assertThat(f.isRequest()).as("only stream messages now: %s", f).isTrue();
        assertThat(f.opaque()).as("the stream's opaque").isEqualTo(opaque);
        assertThat(f.vbucket()).isEqualTo(vb);
        if (f.opcode() == DCP_STREAM_END) {
          break;
        }
        if (f.opcode() == DCP_SNAPSHOT_MARKER) {
          assertThat(f.extras()).as("V1 marker").hasSize(20);
          markerStart = f.extrasLong(0);
          markerEnd = f.extrasLong(8);
          continue;
        }
        assertThat(f.opcode()).as("nothing was deleted: mutations only").isEqualTo(DCP_MUTATION);
        assertThat(f.extras()).as("mutation extras").hasSize(31);
        long seqno = f.extrasLong(0);
        assertThat(seqno).as("increasing").isGreaterThan(last);
        assertThat(seqno).as("inside the marker").isBetween(markerStart, markerEnd);
        assertThat(seqno).as("not past the end seqno").isLessThanOrEqualTo(end);
        last = seqno;
        keys.add(f.keyText());
      }
      assertThat(f.extras()).as("STREAM_END extras").hasSize(4);
      assertThat(ByteBuffer.wrap(f.extras()).getInt()).as("reason OK").isZero();
      assertThat(last).as("the last item is the end seqno").isEqualTo(end);
      assertThat(keys).isEqualTo(keysByVb.get(vb));

      // After STREAM_END nothing more of that stream: the next frame is the NOOP's response.
      List<DcpTestConnection.Frame> after = new ArrayList<>();
      int noop = c.send(NOOP, 0, NONE, NONE, NONE);
      assertThat(c.awaitResponse(noop, after).status()).isZero();
      assertThat(after).as("frames after STREAM_END").isEmpty();
    }
  }

  @Test
  void aConsumerThatDoesNotAnswerNoopsIsDisconnected() {
    try (DcpTestConnection c = producer("silent")) {
      assertThat(c.control("enable_noop", "true").status()).isZero();
      assertThat(c.control("set_noop_interval", "1").status()).isZero();
      // kv only noops connections with a stream; a stream to infinity stays open.
      int opaque = c.sendStreamRequest(2, 0, 0, NO_END, 0, 0, 0);
      List<DcpTestConnection.Frame> data = new ArrayList<>();
      c.expectSuccess(c.awaitResponse(opaque, data), "STREAM_REQ");

      long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
      DcpTestConnection.Frame noop = null;
      while (noop == null) {
        Duration left = Duration.ofNanos(deadline - System.nanoTime());
        assertThat(left.isNegative()).as("a DCP_NOOP within one interval and slack").isFalse();
        DcpTestConnection.Frame f = c.read(left);
        if (f.isRequest() && f.opcode() == DCP_NOOP) {
          noop = f;
        }
      }
      assertThat(noop.extras()).isEmpty();
      assertThat(noop.key()).isEmpty();
      assertThat(noop.value()).isEmpty();
      // Not answered: the producer gives up on us after about two intervals.
      assertThat(c.awaitClosed(Duration.ofSeconds(2 + 3)))
          .as("disconnected within two noop intervals and slack")
          .isTrue();
    }
  }

  @Test
  void aConsumerThatAnswersNoopsStaysConnected() {
    try (DcpTestConnection c = producer("chatty")) {
      assertThat(c.control("enable_noop", "true").status()).isZero();
      assertThat(c.control("set_noop_interval", "1").status()).isZero();
      int opaque = c.sendStreamRequest(3, 0, 0, NO_END, 0, 0, 0);
      c.expectSuccess(c.awaitResponse(opaque, new ArrayList<>()), "STREAM_REQ");

      // Four intervals: twice what an unanswered noop is given. Every noop is answered.
      int noops = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
      while (System.nanoTime() < deadline) {
        DcpTestConnection.Frame f;
        try {
          f = c.read(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
        } catch (AssertionError quiet) {
          // Nothing more arrived before the deadline: the loop ends on its own condition.
          if (quiet.getMessage().startsWith("nothing from the server")) {
            continue;
          }
          throw quiet;
        }
        if (f.isRequest() && f.opcode() == DCP_NOOP) {
          noops++;
          c.respond(f);
        }
      }
      assertThat(noops).as("noops in four one-second intervals").isGreaterThanOrEqualTo(2);
      assertThat(c.call(NOOP, 0, NONE, NONE, NONE).status()).as("still connected").isZero();
    }
  }

  /** {@code stats dcp}: each producer of the bucket, its flow control, and each of its streams. */
  @Test
  void statsDcpShowsEachProducerWithItsFlowControlAndStreams() {
    String name = "settee-test:stats";
    try (DcpTestConnection dcp = producer("stats");
        org.settee.testing.KvTestClient admin = node.admin()) {
      dcp.expectSuccess(dcp.control("connection_buffer_size", "1048576"), "buffer size");
      dcp.expectSuccess(dcp.control("enable_noop", "true"), "noop");
      int ended = dcp.sendStreamRequest(0, 0, 0, high.get(0), tokens.get(0).uuid(), 0, 0);
      int open = dcp.sendStreamRequest(1, 0, 0, NO_END, tokens.get(1).uuid(), 0, 0);
      int mutations = 0;
      boolean endSeen = false;
      while (!endSeen || mutations < keysByVb.get(0).size() + keysByVb.get(1).size()) {
        DcpTestConnection.Frame f = dcp.read(Duration.ofSeconds(10));
        if (f.isRequest() && f.opcode() == DCP_MUTATION) {
          mutations++;
        } else if (f.isRequest() && f.opcode() == DCP_STREAM_END) {
          assertThat(f.opaque()).isEqualTo(ended);
          endSeen = true;
        }
      }
      int sent = mutations;
      List<Map<String, String>> stats = new ArrayList<>(List.of(Map.of()));
      assertThat(
              EmbeddedNode.await(
                  Duration.ofSeconds(10),
                  () -> {
                    stats.set(0, statsOf(admin, "dcp"));
                    return String.valueOf(sent)
                            .equals(stats.get(0).get("eq_dcpq:" + name + ":items_sent"))
                        && "1".equals(stats.get(0).get("eq_dcpq:" + name + ":num_streams"));
                  }))
          .as("stats dcp: %s", stats.get(0))
          .isTrue();
      String p = "eq_dcpq:" + name + ":";
      assertThat(stats.get(0))
          .containsEntry(p + "type", "producer")
          .containsEntry(p + "flow_control", "enabled")
          .containsEntry(p + "max_buffer_bytes", "1048576")
          .containsEntry(p + "noop_enabled", "true")
          .containsEntry(p + "stream_1_opaque", Integer.toString(open))
          .containsEntry(p + "stream_1_state", "in-memory")
          .containsEntry(p + "stream_1_start_seqno", "0")
          .containsEntry(p + "stream_1_end_seqno", Long.toUnsignedString(NO_END))
          .containsEntry(p + "stream_1_last_sent_seqno", Long.toString(high.get(1)))
          .doesNotContainKey(p + "stream_0_state");
      assertThat(Long.parseLong(stats.get(0).get(p + "unacked_bytes")))
          .as("nothing acknowledged yet")
          .isPositive()
          .isEqualTo(Long.parseLong(stats.get(0).get(p + "total_bytes_sent")));
      assertThat(Long.parseLong(stats.get(0).get("ep_dcp_items_sent")))
          .isGreaterThanOrEqualTo(sent);
    }
  }

  private static Map<String, String> statsOf(org.settee.testing.KvTestClient client, String group) {
    Map<String, String> out = new java.util.HashMap<>();
    for (org.settee.protocol.ResponseFrame r : client.stats(group)) {
      assertThat(r.isSuccess()).as("STAT %s", group).isTrue();
      if (r.key().length > 0) {
        out.put(
            new String(r.key(), java.nio.charset.StandardCharsets.UTF_8),
            new String(r.value(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
