package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.core.cnc.events.config.BucketConfigUpdatedEvent;
import com.couchbase.client.core.cnc.events.config.GlobalConfigUpdatedEvent;
import com.couchbase.client.core.diagnostics.ClusterState;
import com.couchbase.client.core.diagnostics.DiagnosticsResult;
import com.couchbase.client.core.diagnostics.EndpointDiagnostics;
import com.couchbase.client.core.diagnostics.EndpointPingReport;
import com.couchbase.client.core.diagnostics.PingResult;
import com.couchbase.client.core.diagnostics.PingState;
import com.couchbase.client.core.endpoint.EndpointState;
import com.couchbase.client.core.service.ServiceType;
import com.couchbase.client.java.Bucket;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official SDK bootstraps from a node: the global and bucket configurations are accepted, KV is
 * reached, and the SDK's health checks (ping, diagnostics, waitUntilReady) report it up.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SdkBootstrapIT {
  @TempDir static Path dataDir;
  private static SdkFixture fixture;
  private static SdkFixture.Connected admin;
  private static Bucket bucket;

  @BeforeAll
  static void start() {
    fixture = SdkFixture.start(dataDir);
    admin = fixture.connectAdmin();
    bucket = admin.cluster().bucket(SdkFixture.BUCKET);
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void connectsWithSeedNodesAndReadsItsOwnWrite() {
    Collection col = bucket.defaultCollection();
    col.upsert("boot", JsonObject.create().put("a", 1));
    assertThat(col.get("boot").contentAsObject().getInt("a")).isEqualTo(1);
    assertThat(admin.rejectedConfigs()).isEmpty();
    assertThat(admin.events(BucketConfigUpdatedEvent.class)).isNotEmpty();
    assertThat(admin.events(GlobalConfigUpdatedEvent.class)).isNotEmpty();
  }

  @Test
  void connectsWithAConnectionStringNamingBothPorts() {
    SdkFixture.Connected c =
        fixture.connect(fixture.connectionString(), SdkFixture.ADMIN, SdkFixture.ADMIN_PASSWORD);
    Collection col = c.cluster().bucket(SdkFixture.BUCKET).defaultCollection();
    col.upsert("boot-connstr", JsonObject.create().put("b", 2));
    assertThat(col.get("boot-connstr").contentAsObject().getInt("b")).isEqualTo(2);
    assertThat(c.rejectedConfigs()).isEmpty();
  }

  @Test
  void clusterWaitUntilReadyReturns() {
    admin.cluster().waitUntilReady(Duration.ofSeconds(5));
    assertThat(admin.cluster().diagnostics().state()).isEqualTo(ClusterState.ONLINE);
  }

  @Test
  void pingReportsKvOk() {
    bucket.defaultCollection().exists("ping-warmup");
    PingResult ping = bucket.ping();
    List<EndpointPingReport> kv = ping.endpoints().get(ServiceType.KV);
    assertThat(kv).as("%s", ping.exportToJson()).isNotEmpty();
    assertThat(kv).allSatisfy(r -> assertThat(r.state()).isEqualTo(PingState.OK));
    assertThat(kv).allSatisfy(r -> assertThat(r.namespace()).contains(SdkFixture.BUCKET));
  }

  @Test
  void diagnosticsReportKvConnected() {
    bucket.defaultCollection().exists("diagnostics-warmup");
    DiagnosticsResult d = admin.cluster().diagnostics();
    List<EndpointDiagnostics> kv = d.endpoints().get(ServiceType.KV);
    assertThat(kv).as("%s", d.exportToJson()).isNotEmpty();
    assertThat(kv).allSatisfy(e -> assertThat(e.state()).isEqualTo(EndpointState.CONNECTED));
    assertThat(d.state()).isEqualTo(ClusterState.ONLINE);
  }
}
