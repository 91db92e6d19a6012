package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.dcp.config.DcpControl;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.testing.EmbeddedNode;

/**
 * The official client treats any refused DCP_CONTROL that the application did not mark optional as
 * a failed connection (dcp.md §7.1 step 8). Controls applications commonly set must therefore be
 * accepted, or the client never streams.
 */
class DcpClientControlsIT {
  @TempDir Path dir;

  @Test
  void theClientStreamsWithTheControlsApplicationsSet() {
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      Map<String, Optional<String>> expected;
      try (BucketWriter w =
          BucketWriter.open(
              node.kvPort(), node.node().options().defaultBucketVBuckets(), "default")) {
        for (int i = 0; i < 500; i++) {
          w.set("c-" + i, BucketWriter.value("c-" + i, 1));
        }
        for (int i = 0; i < 50; i++) {
          w.delete("c-" + i);
        }
        w.flush();
        expected = w.expected();
      }
      try (DcpClientFixture dcp =
          DcpClientFixture.connect(
                  node.kvPort(),
                  EmbeddedNode.ADMIN,
                  EmbeddedNode.ADMIN_PASSWORD,
                  "default",
                  b ->
                      b.controlParam(DcpControl.Names.SET_PRIORITY, "high")
                          .controlParam(DcpControl.Names.SUPPORTS_CURSOR_DROPPING, true)
                          .controlParam(DcpControl.Names.ENABLE_EXPIRY_OPCODE, true)
                          .controlParam("send_stream_end_on_client_close_stream", true)
                          .controlParam(DcpControl.Names.SET_NOOP_INTERVAL, 20)
                          .flowControl(64 * 1024))
              .streamFromZeroToNow()) {
        dcp.awaitStreamsEndedOk(dcp.numPartitions());
        dcp.assertCleanStream();
        dcp.assertLatestStateMatches(expected);
        assertThat(dcp.changes()).hasSizeGreaterThanOrEqualTo(expected.size());
      }
    }
  }
}
