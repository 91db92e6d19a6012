package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.couchbase.client.core.error.CouchbaseException;
import com.couchbase.client.core.error.FeatureNotAvailableException;
import com.couchbase.client.core.error.ServiceNotAvailableException;
import com.couchbase.client.core.error.TimeoutException;
import com.couchbase.client.core.msg.kv.DurabilityLevel;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.GetOptions;
import com.couchbase.client.java.kv.LookupInSpec;
import com.couchbase.client.java.kv.MutateInSpec;
import com.couchbase.client.java.kv.UpsertOptions;
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
 * What the node does not offer yet (sub-document, collections, durability, query) fails at once
 * with a named error, never by timing out: the node advertises none of it (no HELLO feature, no
 * bucket capability, no service), and answers UNKNOWN_COMMAND to sub-document commands. When one of
 * these lands, its test here gives way to real tests of it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SdkUnsupportedIT {
  private static final Duration FAST = Duration.ofSeconds(1);

  @TempDir static Path dataDir;
  private static SdkFixture fixture;
  private static Cluster cluster;
  private static Collection collection;

  @BeforeAll
  static void start() {
    fixture = SdkFixture.start(dataDir);
    cluster = fixture.connectAdmin().cluster();
    collection = cluster.bucket(SdkFixture.BUCKET).defaultCollection();
    collection.upsert("doc", JsonObject.create().put("a", 1));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void subDocumentCommandsGetUnknownCommandAtOnce() {
    for (Runnable op :
        List.<Runnable>of(
            () -> collection.lookupIn("doc", List.of(LookupInSpec.get("a"))),
            () -> collection.mutateIn("doc", List.of(MutateInSpec.upsert("b", 2))),
            () -> collection.get("doc", GetOptions.getOptions().withExpiry(true)),
            () -> collection.get("doc", GetOptions.getOptions().project("a")))) {
      assertThat(failsFast(op))
          .isExactlyInstanceOf(CouchbaseException.class)
          .hasMessageContaining("UNKNOWN_COMMAND");
    }
    assertThat(collection.get("doc").contentAsObject()).isEqualTo(JsonObject.create().put("a", 1));
  }

  @Test
  void durableWritesAreRefusedByTheSdkItself() {
    assertThat(
            failsFast(
                () ->
                    collection.upsert(
                        "durable",
                        JsonObject.create(),
                        UpsertOptions.upsertOptions().durability(DurabilityLevel.MAJORITY))))
        .isInstanceOf(FeatureNotAvailableException.class);
    assertThat(collection.exists("durable").exists()).isFalse();
  }

  @Test
  void namedCollectionsAndTheirManagerAreRefusedByTheSdkItself() {
    assertThat(
            failsFast(
                () -> cluster.bucket(SdkFixture.BUCKET).scope("s").collection("c").get("doc")))
        .isInstanceOf(FeatureNotAvailableException.class);
    assertThat(failsFast(() -> cluster.bucket(SdkFixture.BUCKET).collections().getAllScopes()))
        .isInstanceOf(FeatureNotAvailableException.class);
  }

  @Test
  void queryIsNotAnAdvertisedService() {
    assertThat(failsFast(() -> cluster.query("SELECT 1")))
        .isInstanceOf(ServiceNotAvailableException.class);
  }

  private static Throwable failsFast(Runnable op) {
    long start = System.nanoTime();
    Throwable t = catchThrowable(op::run);
    assertThat(t).as("expected a failure").isNotNull().isNotInstanceOf(TimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("%s", t).isLessThan(FAST);
    return t;
  }
}
