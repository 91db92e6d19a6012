package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.couchbase.client.dcp.error.BootstrapException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.testing.EmbeddedNode;
import org.slf4j.LoggerFactory;

/** Who may stream: DCP needs data_dcp_reader (or an administrator); data_reader is not enough. */
class DcpSecurityIT {
  static final String BUCKET = EmbeddedNode.DEFAULT_BUCKET;

  @TempDir static Path dir;
  static EmbeddedNode node;
  static Map<String, Optional<String>> expected;

  @BeforeAll
  static void start() {
    node = EmbeddedNode.start(dir);
    node.addUser("dcp-reader", "password", "data_dcp_reader[" + BUCKET + "]");
    node.addUser("reader", "password", "data_reader[" + BUCKET + "]");
    try (BucketWriter w =
        BucketWriter.open(node.kvPort(), node.node().options().defaultBucketVBuckets(), BUCKET)) {
      for (int i = 0; i < 200; i++) {
        w.set("s-" + i, BucketWriter.value("s-" + i, 1));
      }
      w.flush();
      expected = w.expected();
    }
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aDataDcpReaderStreamsTheBucket() {
    try (DcpClientFixture dcp =
        DcpClientFixture.connect(node.kvPort(), "dcp-reader", "password", BUCKET)
            .streamFromZeroToNow()) {
      dcp.awaitStreamsEndedOk(dcp.numPartitions());
      dcp.assertCleanStream();
      dcp.assertLatestStateMatches(expected);
    }
  }

  @Test
  void theAdministratorStreamsTheBucket() {
    try (DcpClientFixture dcp =
        DcpClientFixture.connect(
                node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET)
            .streamFromZeroToNow()) {
      dcp.awaitStreamsEndedOk(dcp.numPartitions());
      dcp.assertCleanStream();
      dcp.assertLatestStateMatches(expected);
    }
  }

  @Test
  void aDataReaderCannotOpenADcpConnection() {
    // The client retries refused connections until its bootstrap timeout and then reports only
    // that; why each attempt failed it logs. Capture that to tell a refusal from a timeout.
    Logger clientLog = (Logger) LoggerFactory.getLogger("com.couchbase.client.dcp");
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    clientLog.addAppender(log);
    try {
      assertThatThrownBy(
              () ->
                  DcpClientFixture.connect(
                          node.kvPort(),
                          "reader",
                          "password",
                          BUCKET,
                          b -> b.bootstrapTimeout(Duration.ofSeconds(2)))
                      .close())
          .isInstanceOf(BootstrapException.class);
      List<String> causes = new ArrayList<>();
      for (ILoggingEvent e : List.copyOf(log.list)) {
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
          causes.add(t.getMessage());
        }
      }
      // Authentication and SELECT_BUCKET succeed (the user may read the bucket); DCP_OPEN is
      // refused with NO_ACCESS (0x24).
      assertThat(causes)
          .as("why the client's connection attempts failed")
          .anySatisfy(m -> assertThat(m).contains("'open' step").contains("0x0024"));
    } finally {
      clientLog.detachAppender(log);
    }
  }

  @Test
  void dcpOpenAsADataReaderIsRefusedWithNoAccess() {
    try (DcpTestConnection c =
        DcpTestConnection.open(node.kvPort(), "reader", "password", BUCKET)) {
      DcpTestConnection.Frame r = c.dcpOpen("settee-test:reader", DcpTestConnection.FLAG_PRODUCER);
      assertThat(r.status()).as("DCP_OPEN status").isEqualTo(0x24);
    }
  }
}
