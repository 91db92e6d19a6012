package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.AmbiguousTimeoutException;
import com.couchbase.client.core.error.CasMismatchException;
import com.couchbase.client.core.error.CouchbaseException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.core.error.DocumentNotLockedException;
import com.couchbase.client.core.error.TimeoutException;
import com.couchbase.client.core.retry.RetryReason;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.GetAndLockOptions;
import com.couchbase.client.java.kv.GetResult;
import com.couchbase.client.java.kv.ReplaceOptions;
import com.couchbase.client.java.kv.UpsertOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.util.ManualClock;

/**
 * Pessimistic locks through the SDK: getAndLock, writes refused while locked, the lock's CAS as the
 * key, unlock, and lock timeout (on a node whose clock the test moves).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SdkLockIT {
  /** Writes to a locked document are refused: short, so that a retried LOCKED fails fast. */
  private static final Duration SHORT = Duration.ofMillis(500);

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
  void aLockedDocumentRefusesWritesWithoutItsCas() {
    long original = collection.upsert("lock-1", JsonObject.create().put("v", 1)).cas();
    GetResult locked = collection.getAndLock("lock-1", Duration.ofSeconds(15));
    assertThat(locked.contentAsObject().getInt("v")).isEqualTo(1);
    assertThat(locked.cas()).isNotEqualTo(original);

    // The node answers LOCKED; SDK 3.12 retries LOCKED (except for unlock) until the timeout.
    assertThatThrownBy(
            () ->
                collection.upsert(
                    "lock-1",
                    JsonObject.create().put("v", 2),
                    UpsertOptions.upsertOptions().timeout(SHORT)))
        .isInstanceOfSatisfying(
            AmbiguousTimeoutException.class,
            e ->
                assertThat(e.context().requestContext().retryReasons())
                    .containsExactly(RetryReason.KV_LOCKED));
    assertThat(collection.get("lock-1").contentAsObject().getInt("v")).isEqualTo(1);

    // The lock's CAS unlocks by writing.
    collection.replace(
        "lock-1",
        JsonObject.create().put("v", 3),
        ReplaceOptions.replaceOptions().cas(locked.cas()));
    collection.upsert("lock-1", JsonObject.create().put("v", 4));
    assertThat(collection.get("lock-1").contentAsObject().getInt("v")).isEqualTo(4);
  }

  @Test
  void unlockWithTheLockCasReleasesTheDocument() {
    collection.upsert("lock-2", JsonObject.create().put("v", 1));
    GetResult locked = collection.getAndLock("lock-2", Duration.ofSeconds(15));

    collection.unlock("lock-2", locked.cas());
    collection.upsert("lock-2", JsonObject.create().put("v", 2));
    assertThat(collection.get("lock-2").contentAsObject().getInt("v")).isEqualTo(2);
  }

  @Test
  void unlockWithAnotherCasFailsWithCasMismatch() {
    collection.upsert("lock-3", JsonObject.create());
    GetResult locked = collection.getAndLock("lock-3", Duration.ofSeconds(15));
    assertThatThrownBy(() -> collection.unlock("lock-3", locked.cas() + 1))
        .isInstanceOf(CasMismatchException.class);
    collection.unlock("lock-3", locked.cas());
  }

  @Test
  void aLockExpiresWithItsTimeout() {
    collection.upsert("lock-4", JsonObject.create().put("v", 1));
    collection.getAndLock("lock-4", Duration.ofSeconds(5));
    clock.advanceSeconds(6);
    collection.upsert(
        "lock-4", JsonObject.create().put("v", 2), UpsertOptions.upsertOptions().timeout(SHORT));
    assertThat(collection.get("lock-4").contentAsObject().getInt("v")).isEqualTo(2);
  }

  @Test
  void noReadRevealsTheLockCas() {
    collection.upsert("lock-5", JsonObject.create());
    GetResult locked = collection.getAndLock("lock-5", Duration.ofSeconds(15));
    // As kv_engine: GET and GET_META show CAS -1 for a locked document, so that only the
    // holder of the lock can write it.
    assertThat(collection.get("lock-5").cas()).isEqualTo(-1L);
    long seen = collection.exists("lock-5").cas();
    assertThat(seen).as("exists() (GET_META) CAS of a locked document").isEqualTo(-1L);
    assertThatThrownBy(
            () ->
                collection.replace(
                    "lock-5",
                    JsonObject.create().put("v", "not the lock holder"),
                    ReplaceOptions.replaceOptions().cas(seen).timeout(SHORT)))
        .isInstanceOf(CouchbaseException.class);
    assertThat(collection.get("lock-5").contentAsObject().containsKey("v")).isFalse();
    collection.unlock("lock-5", locked.cas());
  }

  @Test
  void aSecondLockWaitsForTheFirst() {
    collection.upsert("lock-6", JsonObject.create());
    GetResult locked = collection.getAndLock("lock-6", Duration.ofSeconds(15));
    assertThatThrownBy(
            () ->
                collection.getAndLock(
                    "lock-6",
                    Duration.ofSeconds(15),
                    GetAndLockOptions.getAndLockOptions().timeout(SHORT)))
        .isInstanceOfSatisfying(
            TimeoutException.class,
            e ->
                assertThat(e.context().requestContext().retryReasons())
                    .containsExactly(RetryReason.KV_LOCKED));
    collection.unlock("lock-6", locked.cas());
    assertThat(collection.getAndLock("lock-6", Duration.ofSeconds(1)).cas()).isNotZero();
  }

  @Test
  void unlockOfADocumentThatIsNotLockedFailsWithDocumentNotLocked() {
    long cas = collection.upsert("lock-7", JsonObject.create()).cas();
    assertThatThrownBy(() -> collection.unlock("lock-7", cas))
        .isInstanceOf(DocumentNotLockedException.class);
  }

  @Test
  void getAndLockOfAMissingDocumentFailsWithDocumentNotFound() {
    assertThatThrownBy(() -> collection.getAndLock("lock-missing", Duration.ofSeconds(5)))
        .isInstanceOf(DocumentNotFoundException.class);
  }
}
