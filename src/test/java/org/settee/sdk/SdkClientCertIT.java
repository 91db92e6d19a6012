package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.core.env.CertificateAuthenticator;
import com.couchbase.client.java.Bucket;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.MutationResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.security.CertificateIssuer;
import org.settee.security.ClientCertAuth;
import org.settee.security.ClientCertAuth.Field;
import org.settee.security.ClientCertAuth.Prefix;
import org.settee.security.ClientCertAuth.State;
import org.settee.security.PemFiles;
import org.settee.security.TlsMaterial;

/**
 * The official SDK authenticating with a client certificate ({@code CertificateAuthenticator},
 * couchbases://): no password anywhere, the certificate issued by the node's CA names the user by
 * its subject CN, and a bucket opens and serves upsert and get on the KV TLS port.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SdkClientCertIT {
  private static final Duration READY = Duration.ofSeconds(10);

  @TempDir Path dataDir;
  private SdkFixture fixture;
  private CertificateIssuer issuer;

  @BeforeEach
  void start() {
    fixture = SdkFixture.start(dataDir);
    Path certs = dataDir.resolve("config/certs");
    issuer =
        CertificateIssuer.of(
            PemFiles.readCertificates(certs.resolve("ca.pem")).get(0),
            PemFiles.readPrivateKey(certs.resolve("ca-key.pem")));
    fixture.addUser("app", "never-used", "bucket_full_access[default]");
  }

  @AfterEach
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private Cluster connectWithCertificate(TlsMaterial client) {
    return fixture
        .connect(
            "couchbases://127.0.0.1:" + fixture.node().kvTlsPort(),
            CertificateAuthenticator.fromKey(client.key(), null, client.chain()),
            env ->
                env.securityConfig(
                    s ->
                        s.enableTls(true)
                            .trustCertificates(List.of(fixture.node().tls().material().ca()))))
        .cluster();
  }

  @Test
  void aBucketOpensAndServesKvWithTheCertificateAsTheOnlyCredential() {
    fixture
        .node()
        .clientCertAuth(
            new ClientCertAuth(State.MANDATORY, List.of(new Prefix(Field.SUBJECT_CN, "", ""))));
    Cluster cluster =
        connectWithCertificate(issuer.issueClient("app", List.of(), List.of(), List.of()));
    Bucket bucket = cluster.bucket(SdkFixture.BUCKET);
    bucket.waitUntilReady(READY);
    Collection collection = bucket.defaultCollection();
    MutationResult written = collection.upsert("mtls", JsonObject.create().put("by", "cert"));
    assertThat(collection.get("mtls").contentAsObject().getString("by")).isEqualTo("cert");
    assertThat(collection.get("mtls").cas()).isEqualTo(written.cas());
    // Management over HTTPS: the same certificate, no Authorization header.
    assertThat(cluster.buckets().getAllBuckets()).containsKey(SdkFixture.BUCKET);
  }
}
