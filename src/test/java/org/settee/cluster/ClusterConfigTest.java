package org.settee.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cluster.json: the node's purge interval is kept, and a value the REST API refuses is refused. */
class ClusterConfigTest {
  @TempDir Path dir;

  @Test
  void thePurgeIntervalIsKeptWithTheRevision() {
    Path file = dir.resolve("cluster.json");
    ClusterConfig config = ClusterConfig.open(file);
    assertThat(config.purgeIntervalDays()).isEqualTo(ClusterConfig.DEFAULT_PURGE_INTERVAL_DAYS);
    config.setPurgeIntervalDays(0.25);
    config.bump("a later change");
    ClusterConfig reopened = ClusterConfig.open(file);
    assertThat(reopened.purgeIntervalDays()).isEqualTo(0.25);
    assertThat(reopened.clusterUuid()).isEqualTo(config.clusterUuid());
  }

  @Test
  void anIntervalOutOfRangeOrNotANumberIsRefusedAtOpen() throws IOException {
    Path file = dir.resolve("cluster.json");
    String uuid = "0123456789abcdef0123456789abcdef";
    for (String bad : new String[] {"1000", "0", "\"3\""}) {
      Files.writeString(
          file,
          "{\"clusterUUID\":\""
              + uuid
              + "\",\"nodeUUID\":\""
              + uuid
              + "\",\"revEpoch\":1,\"rev\":5,\"purgeInterval\":"
              + bad
              + "}");
      assertThatThrownBy(() -> ClusterConfig.open(file))
          .as(bad)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot read cluster configuration " + file)
          .hasMessageContaining("purgeInterval " + bad + " is not a number of days");
    }
  }
}
