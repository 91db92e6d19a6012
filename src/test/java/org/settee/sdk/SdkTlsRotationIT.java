package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.java.Bucket;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.node.SetteeNode;
import org.settee.security.CertificateIssuer;
import org.settee.security.PemFiles;
import org.settee.security.TlsMaterial;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.TestTls;

/**
 * Certificate rotation under a running SDK load over TLS: while SDK threads upsert and get in a
 * loop, the node certificate is reloaded twice through the REST API, first with one signed by the
 * same CA, then with one from a new CA the client also trusts. No operation fails (each completes
 * within the SDK's KV timeout, retries included), the load keeps going after each reload, and a new
 * handshake right after each reload presents the new certificate.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SdkTlsRotationIT {
  private static final int WORKERS = 2;
  private static final int KEYS_PER_WORKER = 64;
  private static final long OPS_BETWEEN_STEPS = 500;
  private static final Duration PROGRESS_WITHIN = Duration.ofSeconds(30);
  private static final List<String> HOSTS = List.of("127.0.0.1", "localhost");

  @TempDir Path dataDir;

  /** The SDK load: workers on their own keys, every failure kept with what failed. */
  private static final class Load {
    final AtomicLong ops = new AtomicLong();
    final AtomicLong slowestNanos = new AtomicLong();
    final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    Load(Collection collection) {
      for (int w = 0; w < WORKERS; w++) {
        int worker = w;
        Thread t = new Thread(() -> run(collection, worker), "sdk-load-" + w);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    private void run(Collection collection, int worker) {
      for (long n = 0; !stop.get(); n++) {
        String key = "rotation-" + worker + "-" + (n % KEYS_PER_WORKER);
        try {
          long start = System.nanoTime();
          collection.upsert(key, JsonObject.create().put("n", n));
          long written = System.nanoTime();
          long read = collection.get(key).contentAsObject().getLong("n");
          long end = System.nanoTime();
          slowestNanos.accumulateAndGet(Math.max(written - start, end - written), Math::max);
          if (read != n) {
            failures.add(key + ": read " + read + " after writing " + n);
          }
        } catch (RuntimeException e) {
          failures.add(key + ": " + e);
        }
        ops.incrementAndGet();
      }
    }

    /** Waits until {@code count} more operations (upsert and get) have completed. */
    boolean progresses(long count) {
      long target = ops.get() + count;
      return EmbeddedNode.await(PROGRESS_WITHIN, () -> ops.get() >= target);
    }

    /** Stops the workers and waits for their last operations. */
    void close() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
    }
  }

  @Test
  void reloadsUnderSdkLoadFailNoOperationAndNewHandshakesPresentTheNewCertificate()
      throws Exception {
    try (SdkFixture fixture = SdkFixture.start(dataDir)) {
      SetteeNode node = fixture.node();
      X509Certificate originalCa = node.tls().material().ca();
      PrivateKey originalCaKey =
          PemFiles.readPrivateKey(dataDir.resolve("config/certs/ca-key.pem"));
      TlsMaterial sameCa =
          CertificateIssuer.of(originalCa, originalCaKey).issue("Settee Node rotated", HOSTS);
      CertificateIssuer nextCa = CertificateIssuer.newCa("Settee next CA");
      TlsMaterial newCa = nextCa.issue("Settee Node next", HOSTS);
      SSLContext trustBoth = TestTls.trusting(originalCa, nextCa.caCertificate());

      Cluster cluster =
          fixture
              .connect(
                  SdkTlsIT.kvTlsSeed(node),
                  SdkFixture.ADMIN,
                  SdkFixture.ADMIN_PASSWORD,
                  env ->
                      env.securityConfig(
                          s ->
                              s.enableTls(true)
                                  .trustCertificates(List.of(originalCa, nextCa.caCertificate()))))
              .cluster();
      Bucket bucket = cluster.bucket(SdkFixture.BUCKET);
      bucket.waitUntilReady(Duration.ofSeconds(10));

      Load load = new Load(bucket.defaultCollection());
      try {
        assertThat(load.progresses(OPS_BETWEEN_STEPS)).as("load before rotation").isTrue();

        for (TlsMaterial next : List.of(sameCa, newCa)) {
          TestTls.putInInbox(dataDir, next);
          HttpResponse<String> reload =
              TestTls.send(
                  trustBoth, node.mgmtTlsPort(), "POST", "/node/controller/reloadCertificate");
          assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);

          assertPresents(trustBoth, node.kvTlsPort(), next.leaf());
          assertPresents(trustBoth, node.mgmtTlsPort(), next.leaf());
          assertThat(load.progresses(OPS_BETWEEN_STEPS))
              .as("load after reloading %s; failures %s", subject(next.leaf()), load.failures)
              .isTrue();
        }

        // A client that trusts only the new CA now connects and works: new SDK handshakes get it.
        SdkFixture.Connected late =
            fixture.connect(
                SdkTlsIT.kvTlsSeed(node),
                SdkFixture.ADMIN,
                SdkFixture.ADMIN_PASSWORD,
                env ->
                    env.securityConfig(
                        s -> s.enableTls(true).trustCertificates(List.of(nextCa.caCertificate()))));
        Bucket lateBucket = late.cluster().bucket(SdkFixture.BUCKET);
        // Bootstrapping a new SDK over TLS while the load runs can take longer than one KV
        // timeout on a busy 2-core runner (CI once saw BUCKET_OPEN_IN_PROGRESS for 2.5 s): wait
        // for the bucket as any application would, and show what the SDK reported if it never
        // opens (a handshake refused because the old certificate was presented, say).
        try {
          lateBucket.waitUntilReady(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
          throw new AssertionError("late client not ready; SDK problems: " + late.problems(), e);
        }
        Collection lateCollection = lateBucket.defaultCollection();
        lateCollection.upsert("after-rotation", JsonObject.create().put("ca", "next"));
        assertThat(lateCollection.get("after-rotation").contentAsObject().getString("ca"))
            .isEqualTo("next");
      } finally {
        load.close();
      }
      assertThat(load.failures).as("failed operations").isEmpty();
      assertThat(Duration.ofNanos(load.slowestNanos.get()))
          .as("slowest operation")
          .isLessThan(SdkFixture.KV_TIMEOUT);
    }
  }

  /** A new JDK handshake on {@code port} is presented {@code expected} (serial and subject). */
  private static void assertPresents(SSLContext tls, int port, X509Certificate expected)
      throws IOException {
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.startHandshake();
      X509Certificate presented = (X509Certificate) s.getSession().getPeerCertificates()[0];
      assertThat(presented.getSerialNumber())
          .as("serial presented on port %d", port)
          .isEqualTo(expected.getSerialNumber());
      assertThat(presented.getSubjectX500Principal()).isEqualTo(expected.getSubjectX500Principal());
    }
  }

  private static String subject(X509Certificate c) {
    return c.getSubjectX500Principal().getName();
  }
}
