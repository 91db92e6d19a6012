package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.config.ProposedBucketConfigContext;
import com.couchbase.client.core.config.loader.ClusterManagerBucketLoader;
import com.couchbase.client.core.env.SeedNode;
import com.couchbase.client.core.error.BucketNotFoundException;
import com.couchbase.client.core.node.StandardMemcachedHashingStrategy;
import com.couchbase.client.core.topology.ClusterTopology;
import com.couchbase.client.core.topology.NetworkSelector;
import com.couchbase.client.core.topology.NodeIdentifier;
import com.couchbase.client.core.topology.PortSelector;
import com.couchbase.client.core.topology.TopologyParser;
import com.couchbase.client.java.Bucket;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.manager.bucket.BucketManager;
import com.couchbase.client.java.manager.bucket.BucketSettings;
import com.couchbase.client.java.manager.bucket.BucketType;
import com.couchbase.client.java.manager.user.AuthDomain;
import com.couchbase.client.java.manager.user.Role;
import com.couchbase.client.java.manager.user.User;
import com.couchbase.client.java.manager.user.UserAndMetadata;
import com.couchbase.client.java.manager.user.UserManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.testing.EmbeddedNode;

/**
 * The official Couchbase Java SDK, unchanged, against what org.settee.sdk.SdkManagementIT leaves
 * out: the HTTP configuration fallback (the SDK's own loader and parser), and BucketManager round
 * trips of the settings it reads back (numVBuckets, a no-change update).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SdkRestIT {
  static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir static Path dataDir;
  static EmbeddedNode node;
  static Cluster cluster;

  @BeforeAll
  static void start() {
    Cluster.maxAllowedInstances(64);
    node = EmbeddedNode.start(dataDir);
    cluster = connect(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
  }

  @AfterAll
  static void stop() {
    try {
      if (cluster != null) {
        cluster.disconnect(Duration.ofSeconds(5));
      }
    } finally {
      node.close();
    }
  }

  static Cluster connect(String user, String password) {
    Set<SeedNode> seeds =
        Set.of(
            SeedNode.create(
                "127.0.0.1", Optional.of(node.kvPort()), Optional.of(node.node().mgmtPort())));
    return Cluster.connect(
        seeds,
        ClusterOptions.clusterOptions(user, password)
            .environment(
                env ->
                    env.timeoutConfig(
                        t ->
                            t.kvTimeout(Duration.ofSeconds(5))
                                .managementTimeout(Duration.ofSeconds(10))
                                .connectTimeout(Duration.ofSeconds(10)))));
  }

  @Test
  void theBucketManagerReadsBackWhatItCreatedAndAnUnchangedUpdatePasses() {
    BucketManager buckets = cluster.buckets();
    buckets.createBucket(
        BucketSettings.create("sdkbucket")
            .ramQuotaMB(100)
            .numReplicas(0)
            .flushEnabled(true)
            .numVBuckets(64)
            .maxExpiry(Duration.ofHours(1)));
    assertThat(node.node().buckets().get("sdkbucket").settings().numVBuckets()).isEqualTo(64);
    BucketSettings read = buckets.getBucket("sdkbucket");
    assertThat(read.numVBuckets()).isEqualTo(64);
    assertThat(read.maxExpiry()).isEqualTo(Duration.ofHours(1));
    assertThat(read.bucketType()).isEqualTo(BucketType.COUCHBASE);
    // What the SDK sends back for an unchanged bucket is accepted.
    buckets.updateBucket(read);

    Bucket bucket = cluster.bucket("sdkbucket");
    bucket.waitUntilReady(WAIT);
    bucket.defaultCollection().upsert("doc", JsonObject.create());
    assertThat(node.node().buckets().get("sdkbucket").itemCount()).isEqualTo(1);
    buckets.dropBucket("sdkbucket");
    assertThatThrownBy(() -> buckets.getBucket("sdkbucket"))
        .isInstanceOf(BucketNotFoundException.class);
  }

  @Test
  void theUserManagerSeesWhenThePasswordWasSet() {
    UserManager users = cluster.users();
    users.upsertUser(
        new User("sdkuser")
            .password("sdk-pass")
            .displayName("From the SDK")
            .roles(new Role("bucket_full_access", "default"), new Role("data_reader", "*")));
    UserAndMetadata read = users.getUser(AuthDomain.LOCAL, "sdkuser");
    assertThat(read.user().displayName()).isEqualTo("From the SDK");
    assertThat(read.innateRoles())
        .containsExactlyInAnyOrder(
            new Role("bucket_full_access", "default"), new Role("data_reader", "*"));
    assertThat(read.passwordChanged()).isPresent();
    assertThat(users.getRoles()).extracting(r -> r.role().name()).contains("admin");
    users.dropUser("sdkuser");
  }

  @Test
  void theHttpConfigurationFallbackLoadsABucketConfigurationTheSdkParses() {
    int mgmt = node.node().mgmtPort();
    ProposedBucketConfigContext proposed =
        new ClusterManagerBucketLoader(cluster.core())
            .load(NodeIdentifier.forBootstrap("127.0.0.1", mgmt), mgmt, "default")
            .block(WAIT);
    assertThat(proposed).isNotNull();
    ClusterTopology topology =
        new TopologyParser(
                NetworkSelector.DEFAULT,
                PortSelector.NON_TLS,
                StandardMemcachedHashingStrategy.INSTANCE)
            .parse(proposed.config(), "127.0.0.1");
    assertThat(topology.requireBucket().bucket().name()).isEqualTo("default");
    assertThat(topology.revision().toString())
        .contains(String.valueOf(node.node().clusterConfig().revision().rev()));
  }
}
