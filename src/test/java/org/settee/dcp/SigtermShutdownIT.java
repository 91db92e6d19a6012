package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.ServerProcess;

/**
 * SIGTERM stops a node the way a bucket delete stops a bucket (ARCHITECTURE.md, Lifecycles), for
 * every bucket: its connections go first (streams with them), then its storage drains what is dirty
 * and closes cleanly. A real process, a real signal: the JVM's shutdown hook runs the stop.
 */
class SigtermShutdownIT {
  private static final String BUCKET = EmbeddedNode.DEFAULT_BUCKET;
  private static final int VBUCKETS = 64;
  private static final int ITEMS = 5_000;

  @TempDir Path dir;

  @Test
  void sigtermClosesEachBucketsConnectionsThenItsStorageAndLosesNothing() throws Exception {
    List<String> output;
    try (ServerProcess server = ServerProcess.start(dir);
        BucketWriter writer = BucketWriter.open(server.kvPort(), VBUCKETS, BUCKET);
        DcpTestConnection dcp =
            DcpTestConnection.open(
                    server.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET)
                .openProducer("sigterm-test")) {
      for (int i = 0; i < ITEMS; i++) {
        writer.set(key(i), BucketWriter.value(key(i), 1));
      }
      writer.flush(); // acknowledged from memory, not waited for on disk: the stop must persist it
      for (int vb = 0; vb < VBUCKETS; vb++) {
        dcp.sendStreamRequest(vb, 0, 0, DcpTestConnection.NO_END, 0, 0, 0);
      }
      assertThat(dcp.read(Duration.ofSeconds(10))).as("the streams are running").isNotNull();

      int exit = server.terminate(Duration.ofSeconds(60));

      assertThat(exit).as("exit code after SIGTERM (128 + 15)").isEqualTo(143);
      assertThat(dcp.awaitClosed(Duration.ofSeconds(10))).as("the DCP connection closed").isTrue();
      assertThat(server.awaitOutput("Settee stopped", Duration.ofSeconds(10)))
          .as("the node said it stopped; it printed:\n%s", String.join("\n", server.output()))
          .isTrue();
      output = server.output();
    }
    int disconnected = lineOf(output, "bucket '" + BUCKET + "' shutting down: closed");
    int stored = lineOf(output, "bucket '" + BUCKET + "' stopped: storage closed");
    int stopped = lineOf(output, "Settee stopped");
    assertThat(disconnected).as("connections closed, in:\n%s", output).isNotNegative();
    assertThat(stored).as("storage closed after the connections").isGreaterThan(disconnected);
    assertThat(stopped).isGreaterThan(stored);
    assertThat(output).noneMatch(l -> l.contains(" ERROR ") || l.contains(" WARN "));

    // A clean stop: everything acknowledged is back, and no failover-log branch was needed.
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient client = node.admin()) {
      for (int i = 0; i < ITEMS; i++) {
        ResponseFrame got = client.get(key(i));
        assertThat(got.status()).as("GET %s after the restart", key(i)).isEqualTo(Status.SUCCESS);
        assertThat(new String(got.value(), java.nio.charset.StandardCharsets.UTF_8))
            .isEqualTo(BucketWriter.value(key(i), 1));
      }
      for (int vb = 0; vb < VBUCKETS; vb++) {
        assertThat(node.node().buckets().get(BUCKET).vbucket(vb).failoverLog().entries())
            .as("vBucket %d: a clean stop adds no failover entry", vb)
            .hasSize(1);
      }
    }
  }

  private static String key(int i) {
    return "sigterm-" + i;
  }

  private static int lineOf(List<String> output, String text) {
    for (int i = 0; i < output.size(); i++) {
      if (output.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }
}
