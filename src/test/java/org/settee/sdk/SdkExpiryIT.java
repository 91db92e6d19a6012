package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.UpsertOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.util.ManualClock;

/**
 * Expiry set through the SDK (upsert, touch, getAndTouch), on a node whose clock the test moves:
 * the SDK sends durations up to 30 days as relative seconds, so the node's clock alone decides when
 * a document is gone, and nothing sleeps.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SdkExpiryIT {
  @TempDir static Path dataDir;
  private static final ManualClock clock = new ManualClock(System.currentTimeMillis());
  private static SdkFixture fixture;
  private static Collection collection;

  @BeforeAll
  static void start() {
    fixture = SdkFixture.start(dataDir, b -> b.clock(clock));
    collection = fixture.connectAdmin().cluster().bucket(SdkFixture.BUCKET).defaultCollection();
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aDocumentWithARelativeExpiryIsGoneOnceItPasses() {
    collection.upsert(
        "expiry-relative",
        JsonObject.create().put("v", 1),
        UpsertOptions.upsertOptions().expiry(Duration.ofSeconds(100)));
    clock.advanceSeconds(99);
    assertThat(collection.get("expiry-relative").contentAsObject().getInt("v")).isEqualTo(1);

    clock.advanceSeconds(2);
    assertThatThrownBy(() -> collection.get("expiry-relative"))
        .isInstanceOf(DocumentNotFoundException.class);
    assertThat(collection.exists("expiry-relative").exists()).isFalse();
  }

  @Test
  void aDocumentWithAnAbsoluteExpiryIsGoneOnceItPasses() {
    Instant now = Instant.ofEpochMilli(clock.currentTimeMillis());
    collection.upsert(
        "expiry-absolute",
        JsonObject.create(),
        UpsertOptions.upsertOptions().expiry(now.plusSeconds(3600)));
    clock.advanceSeconds(3500);
    assertThat(collection.exists("expiry-absolute").exists()).isTrue();

    clock.advanceSeconds(101);
    assertThat(collection.exists("expiry-absolute").exists()).isFalse();
  }

  @Test
  void anExpiryBeyondThirtyDaysIsSentAbsoluteAndStillHonoured() {
    // Over 30 days the SDK converts the duration to an absolute time with its own clock.
    collection.upsert(
        "expiry-long",
        JsonObject.create(),
        UpsertOptions.upsertOptions().expiry(Duration.ofDays(40)));
    clock.advanceSeconds(Duration.ofDays(40).minusHours(1).toSeconds());
    assertThat(collection.exists("expiry-long").exists()).isTrue();

    clock.advanceSeconds(Duration.ofHours(2).toSeconds());
    assertThat(collection.exists("expiry-long").exists()).isFalse();
  }

  @Test
  void touchSetsANewExpiry() {
    collection.upsert("expiry-touch", JsonObject.create().put("v", 1));
    long cas = collection.touch("expiry-touch", Duration.ofSeconds(50)).cas();
    assertThat(cas).isNotZero();
    clock.advanceSeconds(49);
    assertThat(collection.exists("expiry-touch").exists()).isTrue();

    clock.advanceSeconds(2);
    assertThatThrownBy(() -> collection.get("expiry-touch"))
        .isInstanceOf(DocumentNotFoundException.class);
  }

  @Test
  void getAndTouchReturnsTheContentAndExtendsTheExpiry() {
    collection.upsert(
        "expiry-gat",
        JsonObject.create().put("v", 7),
        UpsertOptions.upsertOptions().expiry(Duration.ofSeconds(10)));
    clock.advanceSeconds(5);
    assertThat(
            collection
                .getAndTouch("expiry-gat", Duration.ofSeconds(100))
                .contentAsObject()
                .getInt("v"))
        .isEqualTo(7);

    clock.advanceSeconds(50); // past the first expiry, within the second
    assertThat(collection.get("expiry-gat").contentAsObject().getInt("v")).isEqualTo(7);
    clock.advanceSeconds(51);
    assertThat(collection.exists("expiry-gat").exists()).isFalse();
  }

  @Test
  void touchAndGetAndTouchOfAMissingDocumentFailWithDocumentNotFound() {
    assertThatThrownBy(() -> collection.touch("expiry-missing", Duration.ofSeconds(10)))
        .isInstanceOf(DocumentNotFoundException.class);
    assertThatThrownBy(() -> collection.getAndTouch("expiry-missing", Duration.ofSeconds(10)))
        .isInstanceOf(DocumentNotFoundException.class);
  }

  @Test
  void anUpsertWithoutExpiryClearsIt() {
    collection.upsert(
        "expiry-cleared",
        JsonObject.create(),
        UpsertOptions.upsertOptions().expiry(Duration.ofSeconds(10)));
    collection.upsert("expiry-cleared", JsonObject.create().put("v", 2));
    clock.advanceSeconds(11);
    assertThat(collection.get("expiry-cleared").contentAsObject().getInt("v")).isEqualTo(2);
  }

  @Test
  void preserveExpiryKeepsItAcrossAnUpsert() {
    collection.upsert(
        "expiry-preserved",
        JsonObject.create(),
        UpsertOptions.upsertOptions().expiry(Duration.ofSeconds(10)));
    collection.upsert(
        "expiry-preserved",
        JsonObject.create().put("v", 2),
        UpsertOptions.upsertOptions().preserveExpiry(true));
    clock.advanceSeconds(11);
    assertThat(collection.exists("expiry-preserved").exists()).isFalse();
  }
}
