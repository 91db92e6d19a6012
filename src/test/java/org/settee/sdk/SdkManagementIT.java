package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.diagnostics.EndpointDiagnostics;
import com.couchbase.client.core.endpoint.EndpointState;
import com.couchbase.client.core.error.BucketExistsException;
import com.couchbase.client.core.error.BucketNotFlushableException;
import com.couchbase.client.core.error.BucketNotFoundException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.core.error.HttpStatusCodeException;
import com.couchbase.client.core.error.UnambiguousTimeoutException;
import com.couchbase.client.core.error.UserNotFoundException;
import com.couchbase.client.core.retry.RetryReason;
import com.couchbase.client.core.service.ServiceType;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.manager.bucket.BucketManager;
import com.couchbase.client.java.manager.bucket.BucketSettings;
import com.couchbase.client.java.manager.bucket.BucketType;
import com.couchbase.client.java.manager.bucket.GetAllBucketOptions;
import com.couchbase.client.java.manager.user.AuthDomain;
import com.couchbase.client.java.manager.user.Role;
import com.couchbase.client.java.manager.user.User;
import com.couchbase.client.java.manager.user.UserAndMetadata;
import com.couchbase.client.java.manager.user.UserManager;
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
 * The SDK's HTTP side against the node's management REST API: bucket readiness, the bucket and user
 * managers, and authentication over HTTP.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SdkManagementIT {
  @TempDir static Path dataDir;
  private static SdkFixture fixture;
  private static Cluster cluster;

  @BeforeAll
  static void start() {
    fixture = SdkFixture.start(dataDir);
    cluster = fixture.connectAdmin().cluster();
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void bucketWaitUntilReadyPasses() {
    cluster.bucket(SdkFixture.BUCKET).waitUntilReady(Duration.ofSeconds(10));
    List<EndpointDiagnostics> manager = cluster.diagnostics().endpoints().get(ServiceType.MANAGER);
    assertThat(manager).isNotEmpty();
    assertThat(manager).anySatisfy(e -> assertThat(e.state()).isEqualTo(EndpointState.CONNECTED));
  }

  @Test
  void bucketManagerCreatesListsFlushesAndDropsABucket() {
    BucketManager buckets = cluster.buckets();
    buckets.createBucket(
        BucketSettings.create("managed")
            .bucketType(BucketType.COUCHBASE)
            .ramQuotaMB(100)
            .numReplicas(0)
            .flushEnabled(true));
    assertThat(fixture.node().buckets().get("managed")).isNotNull();

    assertThat(buckets.getAllBuckets()).containsKeys(SdkFixture.BUCKET, "managed");
    BucketSettings read = buckets.getBucket("managed");
    assertThat(read.name()).isEqualTo("managed");
    assertThat(read.bucketType()).isEqualTo(BucketType.COUCHBASE);
    assertThat(read.ramQuotaMB()).isEqualTo(100);
    assertThat(read.flushEnabled()).isTrue();
    assertThat(read.numReplicas()).isZero();

    assertThatThrownBy(() -> buckets.createBucket(BucketSettings.create("managed").ramQuotaMB(100)))
        .isInstanceOf(BucketExistsException.class);

    com.couchbase.client.java.Bucket bucket = cluster.bucket("managed");
    bucket.waitUntilReady(Duration.ofSeconds(10));
    Collection col = bucket.defaultCollection();
    col.upsert("to-flush", JsonObject.create().put("v", 1));
    buckets.flushBucket("managed");
    assertThatThrownBy(() -> col.get("to-flush")).isInstanceOf(DocumentNotFoundException.class);

    buckets.dropBucket("managed");
    assertThat(fixture.node().buckets().get("managed")).isNull();
    assertThatThrownBy(() -> buckets.getBucket("managed"))
        .isInstanceOf(BucketNotFoundException.class);
    assertThatThrownBy(() -> buckets.dropBucket("managed"))
        .isInstanceOf(BucketNotFoundException.class);
  }

  @Test
  void flushOfABucketWithoutFlushFailsWithBucketNotFlushable() {
    BucketManager buckets = cluster.buckets();
    buckets.createBucket(BucketSettings.create("no-flush").ramQuotaMB(100).flushEnabled(false));
    try {
      assertThatThrownBy(() -> buckets.flushBucket("no-flush"))
          .isInstanceOf(BucketNotFlushableException.class);
    } finally {
      buckets.dropBucket("no-flush");
    }
  }

  @Test
  void userManagerUpsertsGetsAndDropsAUserWhoCanThenConnect() {
    UserManager users = cluster.users();
    users.upsertUser(
        new User("sdk-user")
            .password("sdk-user-pw")
            .displayName("SDK user")
            .roles(new Role("data_reader", SdkFixture.BUCKET)));

    UserAndMetadata read = users.getUser(AuthDomain.LOCAL, "sdk-user");
    assertThat(read.user().username()).isEqualTo("sdk-user");
    assertThat(read.user().displayName()).isEqualTo("SDK user");
    assertThat(read.user().roles())
        .anySatisfy(
            r -> {
              assertThat(r.name()).isEqualTo("data_reader");
              assertThat(r.bucket()).contains(SdkFixture.BUCKET);
            });
    assertThat(users.getAllUsers())
        .anySatisfy(u -> assertThat(u.user().username()).isEqualTo("sdk-user"));

    cluster
        .bucket(SdkFixture.BUCKET)
        .defaultCollection()
        .upsert("for-sdk-user", JsonObject.create());
    Collection asUser =
        fixture
            .connect("sdk-user", "sdk-user-pw")
            .cluster()
            .bucket(SdkFixture.BUCKET)
            .defaultCollection();
    assertThat(asUser.exists("for-sdk-user").exists()).isTrue();

    users.dropUser("sdk-user");
    assertThat(fixture.node().users().get("sdk-user")).isNull();
    assertThatThrownBy(() -> users.getUser(AuthDomain.LOCAL, "sdk-user"))
        .isInstanceOf(UserNotFoundException.class);
  }

  @Test
  void aWrongPasswordKeepsManagementRequestsWaitingForTheConfiguration() {
    // SDK 3.12 routes HTTP requests with the global configuration, which a connection that fails
    // SASL never gets: the request times out with AUTHENTICATION_ERROR among its retry reasons.
    Cluster wrong = fixture.connect(SdkFixture.ADMIN, "not-the-password").cluster();
    assertThatThrownBy(
            () ->
                wrong
                    .buckets()
                    .getAllBuckets(
                        GetAllBucketOptions.getAllBucketOptions().timeout(Duration.ofSeconds(1))))
        .isInstanceOfSatisfying(
            UnambiguousTimeoutException.class,
            e ->
                assertThat(e.context().requestContext().retryReasons())
                    .contains(RetryReason.AUTHENTICATION_ERROR));
  }

  @Test
  void aUserWithoutClusterRightsIsRefusedBucketCreation() {
    fixture.addUser("http-reader", "http-reader-pw", "data_reader[default]");
    Cluster reader = fixture.connect("http-reader", "http-reader-pw").cluster();
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> reader.buckets().createBucket(BucketSettings.create("refused").ramQuotaMB(100)))
        .isInstanceOfSatisfying(
            HttpStatusCodeException.class, e -> assertThat(e.httpStatusCode()).isEqualTo(403));
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(SdkFixture.MANAGEMENT_TIMEOUT.dividedBy(2));
    assertThat(fixture.node().buckets().get("refused")).isNull();
  }
}
