package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.cnc.events.endpoint.EndpointConnectionFailedEvent;
import com.couchbase.client.core.cnc.events.io.SaslAuthenticationFailedEvent;
import com.couchbase.client.core.cnc.events.io.SelectBucketFailedEvent;
import com.couchbase.client.core.error.AuthenticationFailureException;
import com.couchbase.client.core.error.BucketNotFoundException;
import com.couchbase.client.core.error.CouchbaseException;
import com.couchbase.client.core.error.UnambiguousTimeoutException;
import com.couchbase.client.core.msg.ResponseStatus;
import com.couchbase.client.core.retry.RetryReason;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.GetOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;

/**
 * What the SDK reports for each way access can fail: a read-only role writing, a wrong password, a
 * bucket the user has no role on, a bucket that does not exist.
 *
 * <p>SDK 3.12 keeps a KV operation whose bucket cannot be opened in retry until its timeout, with
 * the reason in the timeout's context (AUTHENTICATION_ERROR when the bucket-less connection failed
 * SASL); the typed exception ({@link AuthenticationFailureException}, {@link
 * BucketNotFoundException}) is what the connection attempt fails with, which the SDK publishes as
 * an event. The node must answer each handshake step at once, so these tests measure how soon that
 * event comes: well within the connect timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SdkSecurityIT {
  /** The server answers SASL and SELECT_BUCKET at once: the SDK knows well before its timeout. */
  private static final Duration FAST = SdkFixture.CONNECT_TIMEOUT.dividedBy(5);

  private static final Duration SHORT_OPERATION = Duration.ofMillis(1500);

  @TempDir static Path dataDir;
  private static SdkFixture fixture;

  @BeforeAll
  static void start() {
    fixture = SdkFixture.start(dataDir);
    fixture.node().createBucket(new BucketSettings("private", BucketType.COUCHBASE, 100, 64, true));
    fixture.addUser("reader", "reader-pw", "data_reader[default]");
    fixture.addUser("outsider", "outsider-pw", "bucket_full_access[private]");
    fixture
        .connectAdmin()
        .cluster()
        .bucket(SdkFixture.BUCKET)
        .defaultCollection()
        .upsert("shared", JsonObject.create().put("v", 1));
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aDataReaderReadsButItsWriteIsRefusedAtOnce() {
    Collection col =
        fixture
            .connect("reader", "reader-pw")
            .cluster()
            .bucket(SdkFixture.BUCKET)
            .defaultCollection();
    assertThat(col.get("shared").contentAsObject().getInt("v")).isEqualTo(1);

    // EACCESS on a data command: SDK 3.12 has no narrower type than CouchbaseException for it.
    long start = System.nanoTime();
    assertThatThrownBy(() -> col.upsert("shared", JsonObject.create().put("v", 2)))
        .isExactlyInstanceOf(CouchbaseException.class)
        .satisfies(
            e ->
                assertThat(((CouchbaseException) e).context().responseStatus())
                    .isEqualTo(ResponseStatus.NO_ACCESS));
    assertThat(elapsed(start)).isLessThan(FAST);
    assertThat(col.get("shared").contentAsObject().getInt("v")).isEqualTo(1);
  }

  @Test
  void aWrongPasswordIsReportedAsAnAuthenticationFailureAtOnce() {
    long start = System.nanoTime();
    SdkFixture.Connected c = fixture.connect(SdkFixture.ADMIN, "not-the-password");
    Collection col = c.cluster().bucket(SdkFixture.BUCKET).defaultCollection();

    c.awaitEvent(SaslAuthenticationFailedEvent.class, FAST);
    assertThat(elapsed(start)).isLessThan(FAST);
    assertThat(c.awaitEvent(EndpointConnectionFailedEvent.class, FAST).cause())
        .isInstanceOf(AuthenticationFailureException.class);

    assertThatThrownBy(() -> col.get("shared", GetOptions.getOptions().timeout(SHORT_OPERATION)))
        .isInstanceOfSatisfying(
            UnambiguousTimeoutException.class,
            e ->
                assertThat(e.context().requestContext().retryReasons())
                    .contains(RetryReason.AUTHENTICATION_ERROR));
  }

  @Test
  void aBucketTheUserHasNoRoleOnIsRefusedAtOnce() {
    long start = System.nanoTime();
    SdkFixture.Connected c = fixture.connect("outsider", "outsider-pw");
    Collection col = c.cluster().bucket(SdkFixture.BUCKET).defaultCollection();

    SelectBucketFailedEvent refused = c.awaitEvent(SelectBucketFailedEvent.class, FAST);
    assertThat(elapsed(start)).isLessThan(FAST);
    assertThat(refused.status()).isEqualTo((short) 0x24); // EACCESS
    assertThat(c.awaitEvent(EndpointConnectionFailedEvent.class, FAST).cause())
        .isInstanceOf(AuthenticationFailureException.class);

    assertThatThrownBy(() -> col.get("shared", GetOptions.getOptions().timeout(SHORT_OPERATION)))
        .isInstanceOf(UnambiguousTimeoutException.class);
    // The user's own bucket still works on the same cluster handle.
    c.cluster().bucket("private").defaultCollection().upsert("mine", JsonObject.create());
  }

  @Test
  void aBucketThatDoesNotExistIsReportedAsNotFoundAtOnce() {
    long start = System.nanoTime();
    SdkFixture.Connected c = fixture.connectAdmin();
    Collection col = c.cluster().bucket("no-such-bucket").defaultCollection();

    SelectBucketFailedEvent refused = c.awaitEvent(SelectBucketFailedEvent.class, FAST);
    assertThat(elapsed(start)).isLessThan(FAST);
    assertThat(refused.status()).isEqualTo((short) 0x01); // KEY_ENOENT
    assertThat(c.awaitEvent(EndpointConnectionFailedEvent.class, FAST).cause())
        .isInstanceOf(BucketNotFoundException.class);

    assertThatThrownBy(() -> col.get("shared", GetOptions.getOptions().timeout(SHORT_OPERATION)))
        .isInstanceOf(UnambiguousTimeoutException.class);
  }

  private static Duration elapsed(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
