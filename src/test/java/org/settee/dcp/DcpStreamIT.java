package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.couchbase.client.dcp.message.StreamEndReason;
import com.couchbase.client.dcp.state.SessionState;
import com.couchbase.client.dcp.transport.netty.ChannelFlowControllerImpl;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.testing.EmbeddedNode;
import org.slf4j.LoggerFactory;

/**
 * The official Java DCP client streams a bucket of 100k mutations: the catch-up from zero, live
 * changes after it, a client restart from saved state, and a small flow-control buffer. One node
 * and one loaded bucket serve every test (loading it is the slow part); each test computes what it
 * expects from the writer's record at its start, so the order the tests run in does not matter.
 */
class DcpStreamIT {
  static final String BUCKET = EmbeddedNode.DEFAULT_BUCKET;
  static final String DCP_USER = "dcp-reader";
  static final String DCP_PASSWORD = "dcp-password";

  /** 80k distinct keys, 15k of them overwritten, 5k others deleted: 100k mutations. */
  static final int KEYS = 80_000;

  static final int OVERWRITES = 15_000;
  static final int DELETES = 5_000;

  @TempDir static Path dir;

  static EmbeddedNode node;
  static BucketWriter writer;

  @BeforeAll
  static void loadBucket() {
    node = EmbeddedNode.start(dir);
    node.addUser(DCP_USER, DCP_PASSWORD, "data_dcp_reader[" + BUCKET + "]");
    writer =
        BucketWriter.open(node.kvPort(), node.node().options().defaultBucketVBuckets(), BUCKET);
    for (int i = 0; i < KEYS; i++) {
      writer.set(key(i), BucketWriter.value(key(i), 1));
    }
    writer.flush();
    for (int i = 0; i < OVERWRITES; i++) {
      writer.set(key(i), BucketWriter.value(key(i), 2));
    }
    for (int i = OVERWRITES; i < OVERWRITES + DELETES; i++) {
      writer.delete(key(i));
    }
    writer.flush();
  }

  @AfterAll
  static void stop() {
    try {
      if (writer != null) {
        writer.close();
      }
    } finally {
      if (node != null) {
        node.close();
      }
    }
  }

  static String key(int i) {
    return "k-" + i;
  }

  private static DcpClientFixture dcpClient() {
    return DcpClientFixture.connect(node.kvPort(), DCP_USER, DCP_PASSWORD, BUCKET);
  }

  @Test
  void fromZeroToNowEveryKeyArrivesWithItsLatestValueAndDeletionsAsDeletions() {
    Map<String, Optional<String>> expected = writer.expected();
    Map<Integer, Long> high = writer.highSeqnos();
    try (DcpClientFixture dcp = dcpClient().streamFromZeroToNow()) {
      int vbuckets = dcp.numPartitions();
      assertThat(vbuckets).isEqualTo(writer.numVBuckets());
      // Every vBucket has data, so each one has a real stream that must end with reason OK.
      assertThat(high).hasSize(vbuckets);
      dcp.awaitStreamsEndedOk(vbuckets);

      dcp.assertCleanStream();
      dcp.assertLatestStateMatches(expected);
      assertThat(expected.values().stream().filter(Optional::isEmpty).count())
          .as("the load deleted keys, so the check above saw deletions")
          .isGreaterThanOrEqualTo(DELETES);
      high.forEach(
          (vb, seqno) ->
              assertThat(dcp.lastSeqno(vb))
                  .as("vb %d streamed up to its high seqno and not past it", vb)
                  .isEqualTo(seqno));
      assertThat(dcp.streamEnds()).hasSize(vbuckets).containsValue(StreamEndReason.OK);
    }
  }

  @Test
  void afterTheCatchUpLiveWritesArrive() {
    try (DcpClientFixture dcp = dcpClient().streamFromZeroToInfinity()) {
      dcp.awaitSeqnos(writer.highSeqnos());
      int caughtUp = dcp.changes().size();

      // New keys, overwrites of loaded keys and deletions, all after the stream is in memory.
      for (int i = 0; i < 1_000; i++) {
        writer.set("live-" + i, BucketWriter.value("live-" + i, 1));
      }
      for (int i = 40_000; i < 40_500; i++) {
        writer.set(key(i), BucketWriter.value(key(i), 3));
      }
      for (int i = 50_000; i < 50_500; i++) {
        writer.delete(key(i));
      }
      writer.flush();
      dcp.awaitSeqnos(writer.highSeqnos());

      dcp.assertCleanStream();
      dcp.assertLatestStateMatches(writer.expected());
      assertThat(dcp.changes().size() - caughtUp)
          .as("each live write is its own change unless de-duplicated in a snapshot")
          .isPositive();
      assertThat(dcp.streamEnds()).as("streams to infinity never end").isEmpty();
    }
  }

  @Test
  void aRestartedClientResumesFromItsSavedSessionStateWithoutRedelivery() {
    byte[] saved;
    Map<Integer, Long> savedSeqnos = new HashMap<>();
    try (DcpClientFixture first = dcpClient().streamFromZeroToInfinity()) {
      first.awaitSeqnos(writer.highSeqnos());
      first.assertCleanStream();
      saved = first.exportState();
      SessionState state = first.client().sessionState();
      state.foreachPartition((vb, ps) -> savedSeqnos.put(vb, ps.getStartSeqno()));
    }
    assertThat(savedSeqnos).as("the saved state is at the high seqnos").isEqualTo(highOrZero());

    Map<String, Optional<String>> before = writer.expected();
    for (int i = 0; i < 1_000; i++) {
      writer.set("resume-" + i, BucketWriter.value("resume-" + i, 1));
    }
    for (int i = 60_000; i < 60_300; i++) {
      writer.set(key(i), BucketWriter.value(key(i), 4));
    }
    for (int i = 61_000; i < 61_200; i++) {
      writer.delete(key(i));
    }
    writer.flush();
    Map<String, Optional<String>> written = new HashMap<>(writer.expected());
    written.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));

    try (DcpClientFixture second = dcpClient().recover(saved)) {
      second.awaitSeqnos(writer.highSeqnos());
      second.assertCleanStream();
      List<DcpClientFixture.Change> redelivered =
          second.changes().stream().filter(c -> c.seqno() <= savedSeqnos.get(c.vb())).toList();
      assertThat(redelivered).as("changes at or before the saved seqnos").isEmpty();
      // Everything written after the save, and nothing else, comes again.
      second.assertLatestStateMatches(written);
    }
  }

  @Test
  void aOneMebibyteFlowControlBufferStreamsTheWholeBucket() {
    int buffer = 1024 * 1024;
    Map<String, Optional<String>> expected = writer.expected();
    // The client logs each buffer ack it writes (at DEBUG): the proof that it had to ack.
    Logger ackLog = (Logger) LoggerFactory.getLogger(ChannelFlowControllerImpl.class);
    Level level = ackLog.getLevel();
    ListAppender<ILoggingEvent> acks = new ListAppender<>();
    acks.start();
    ackLog.addAppender(acks);
    ackLog.setLevel(Level.DEBUG);
    try (DcpClientFixture dcp =
        DcpClientFixture.connect(
                node.kvPort(), DCP_USER, DCP_PASSWORD, BUCKET, b -> b.flowControl(buffer))
            .streamFromZeroToNow()) {
      dcp.awaitStreamsEndedOk(dcp.numPartitions());
      dcp.assertCleanStream();
      dcp.assertLatestStateMatches(expected);

      long acked =
          List.copyOf(acks.list).stream()
              .filter(e -> e.getMessage().startsWith("{} Flow control ACK success"))
              .mapToLong(e -> ((Number) e.getArgumentArray()[1]).longValue())
              .sum();
      // ~100k changes of 80+ bytes are several MB: the stream only got through because the
      // client acked, and the server resumed on its acks, several buffers' worth.
      assertThat(acked).as("bytes the client acked").isGreaterThan(3L * buffer);
    } finally {
      ackLog.detachAppender(acks);
      ackLog.setLevel(level);
    }
  }

  /** The writer's high seqnos, with 0 for any vBucket never written. */
  private static Map<Integer, Long> highOrZero() {
    Map<Integer, Long> out = new HashMap<>();
    for (int vb = 0; vb < writer.numVBuckets(); vb++) {
      out.put(vb, writer.highSeqnos().getOrDefault(vb, 0L));
    }
    return out;
  }
}
