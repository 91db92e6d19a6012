package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.cluster.ConfigRevision;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.net.Connection;

/**
 * How configuration changes reach the SDK after bootstrap: pushed (Duplex, brief clustermap change
 * notification, then GET_CLUSTER_CONFIG), and polled with the known-version extras.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SdkConfigIT {
  @TempDir static Path dataDir;
  private static SdkFixture fixture;

  @BeforeAll
  static void start() {
    fixture = SdkFixture.start(dataDir);
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aNewRevisionIsPushedToTheSdkWithoutWaitingForAPoll() {
    // Polls only every minute: a revision seen within seconds came by push.
    SdkFixture.Connected c =
        fixture.connectAdmin(
            env -> env.ioConfig(io -> io.configPollInterval(Duration.ofMinutes(1))));
    Cluster cluster = c.cluster();
    cluster.bucket(SdkFixture.BUCKET).defaultCollection().upsert("before", JsonObject.create());
    assertThat(sdkBucketRev(cluster, SdkFixture.BUCKET)).isEqualTo(nodeRev().rev());

    long before = sdkBucketRev(cluster, SdkFixture.BUCKET);
    fixture.node().createBucket(new BucketSettings("later", BucketType.COUCHBASE, 100, 64, true));
    long created = nodeRev().rev();
    // Not compared with the SDK's revision now: the push may already have reached it.
    assertThat(created).isGreaterThan(before);

    awaitAtLeast(() -> sdkBucketRev(cluster, SdkFixture.BUCKET), created, Duration.ofSeconds(5), c);
    awaitAtLeast(() -> sdkGlobalRev(cluster), created, Duration.ofSeconds(5), c);
    assertThat(c.rejectedConfigs()).isEmpty();

    // The new bucket is usable from the same cluster handle.
    Collection later = cluster.bucket("later").defaultCollection();
    later.upsert("in-later", JsonObject.create().put("v", 1));
    assertThat(later.get("in-later").contentAsObject().getInt("v")).isEqualTo(1);
    assertThat(fixture.node().buckets().get("later").itemCount()).isEqualTo(1);
  }

  @Test
  void pollingAnUnchangedConfigurationKeepsTheSdksRevision() {
    SdkFixture.Connected c =
        fixture.connectAdmin(
            env -> env.ioConfig(io -> io.configPollInterval(Duration.ofMillis(100))));
    Collection col = c.cluster().bucket(SdkFixture.BUCKET).defaultCollection();
    col.upsert("polled", JsonObject.create());
    long rev = sdkBucketRev(c.cluster(), SdkFixture.BUCKET);

    // The SDK's poller ticks once a second; three polls reach the node without any operation.
    long before = requestsOnBucketConnections();
    awaitAtLeast(this::requestsOnBucketConnections, before + 3, Duration.ofSeconds(10), c);

    assertThat(sdkBucketRev(c.cluster(), SdkFixture.BUCKET)).isEqualTo(rev);
    assertThat(c.rejectedConfigs()).isEmpty();
    assertThat(col.get("polled").cas()).isNotZero();
  }

  private static ConfigRevision nodeRev() {
    return fixture.node().clusterConfig().revision();
  }

  private static long sdkBucketRev(Cluster cluster, String bucket) {
    return cluster.core().configurationProvider().config().bucketTopologyRevision(bucket).rev();
  }

  private static long sdkGlobalRev(Cluster cluster) {
    return cluster.core().configurationProvider().config().globalTopologyRevision().rev();
  }

  private long requestsOnBucketConnections() {
    return fixture.node().connections().open().stream()
        .filter(conn -> conn.bucket() != null)
        .mapToLong(Connection::requests)
        .sum();
  }

  private static void awaitAtLeast(
      LongSupplier value, long target, Duration timeout, SdkFixture.Connected c) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (value.getAsLong() < target) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "value "
                + value.getAsLong()
                + " did not reach "
                + target
                + " within "
                + timeout
                + "; SDK problems: "
                + c.problems());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
