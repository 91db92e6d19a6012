package org.settee.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.Feature;
import org.settee.protocol.RequestWriter;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.security.PemFiles;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.TestTls;

/**
 * KV and management over TLS with the certificate the node makes at first start: a JDK client
 * trusting only the node's CA authenticates, writes and reads; the CA is published over REST; the
 * TLS ports are advertised.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KvTlsIT {
  @TempDir static Path dataDir;
  private static EmbeddedNode node;
  private static X509Certificate ca;

  @BeforeAll
  static void start() {
    node = EmbeddedNode.start(dataDir);
    ca = PemFiles.readCertificates(dataDir.resolve("config/certs/ca.pem")).get(0);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static KvTestClient tlsClient() {
    return KvTestClient.connectTls(
        node.node().kvTlsPort(),
        node.node().options().defaultBucketVBuckets(),
        TestTls.trusting(ca));
  }

  @Test
  void helloSaslPlainSetAndGetOverTls() {
    try (KvTestClient c = tlsClient()) {
      assertThat(c.tlsSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
      assertThat(c.hello(Feature.XERROR, Feature.SELECT_BUCKET).status()).isEqualTo(Status.SUCCESS);
      assertThat(c.authPlain(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD).status())
          .isEqualTo(Status.SUCCESS);
      assertThat(c.selectBucket("default").status()).isEqualTo(Status.SUCCESS);
      assertThat(c.set("tls-key", "over tls").status()).isEqualTo(Status.SUCCESS);
      assertThat(new String(c.get("tls-key").value(), StandardCharsets.UTF_8))
          .isEqualTo("over tls");
    }
  }

  /**
   * The SDK writes its whole handshake at once, SELECT_BUCKET right behind SASL PLAIN. PLAIN's
   * password check runs off the loop, so SELECT_BUCKET waits, already decrypted, in the frame
   * decoder; it must be answered when the check completes (it was not over TLS: the SDK's bucket
   * connection hung and a bucket never opened).
   */
  @Test
  void aSelectBucketPipelinedBehindSaslPlainIsAnswered() {
    try (KvTestClient c = tlsClient()) {
      ByteBuf both = Unpooled.buffer();
      int auth = c.nextOpaque();
      RequestWriter.saslAuthPlain(both, auth, EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
      int select = c.nextOpaque();
      RequestWriter.selectBucket(both, select, "default");
      c.send(both);
      ResponseFrame first = c.readResponse();
      ResponseFrame second = c.readResponse();
      assertThat(List.of(first.opaque(), second.opaque())).containsExactly(auth, select);
      assertThat(first.status()).isEqualTo(Status.SUCCESS);
      assertThat(second.status()).isEqualTo(Status.SUCCESS);
      assertThat(c.set("pipelined", "yes").status()).isEqualTo(Status.SUCCESS);
    }
  }

  @Test
  void thePresentedChainIsSignedByThePublishedCaAndNamesLoopback() throws Exception {
    try (KvTestClient c = tlsClient()) {
      X509Certificate leaf = (X509Certificate) c.tlsSession().getPeerCertificates()[0];
      leaf.verify(ca.getPublicKey());
      assertThat(leaf.getSubjectAlternativeNames())
          .contains(List.of(7, "127.0.0.1"), List.of(2, "localhost"));
    }
  }

  @Test
  void tlsPortsAreAdvertisedInNodesExt() {
    var services = node.node().services().asMap();
    assertThat(services).containsEntry("kvSSL", node.node().kvTlsPort());
    assertThat(services).containsEntry("mgmtSSL", node.node().mgmtTlsPort());
    assertThat(node.node().kvTlsPort()).isPositive();
    assertThat(node.node().mgmtTlsPort()).isPositive();
  }

  @Test
  void theCaIsPublishedOverHttps() throws Exception {
    SSLContext tls = TestTls.trusting(ca);
    int port = node.node().mgmtTlsPort();
    HttpResponse<String> certificate = TestTls.send(tls, port, "GET", "/pools/default/certificate");
    assertThat(certificate.statusCode()).isEqualTo(200);
    assertThat(certificate.body()).isEqualTo(PemFiles.toPem(List.of(ca)));
    HttpResponse<String> trusted = TestTls.send(tls, port, "GET", "/pools/default/trustedCAs");
    assertThat(trusted.statusCode()).isEqualTo(200);
    assertThat(trusted.body()).contains("BEGIN CERTIFICATE").contains("\"id\":0");
  }

  @Test
  void keysOnDiskAreReadableByTheOwnerOnly() throws Exception {
    Path certs = dataDir.resolve("config/certs");
    Set<PosixFilePermission> ownerOnly =
        Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Files.getPosixFilePermissions(certs.resolve("node.pem"))).isEqualTo(ownerOnly);
    assertThat(Files.getPosixFilePermissions(certs.resolve("ca-key.pem"))).isEqualTo(ownerOnly);
  }

  @Test
  void aReloadFromBadFilesIsA400AndTheCertificateStays() throws Exception {
    Path inbox = dataDir.resolve("inbox");
    Files.createDirectories(inbox);
    Files.writeString(inbox.resolve("chain.pem"), "not a certificate");
    Files.writeString(inbox.resolve("pkey.key"), "not a key");
    SSLContext tls = TestTls.trusting(ca);
    HttpResponse<String> r =
        TestTls.send(tls, node.node().mgmtTlsPort(), "POST", "/node/controller/reloadCertificate");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("chain.pem");
    helloSaslPlainSetAndGetOverTls(); // the old certificate, still trusted, still served
  }
}
