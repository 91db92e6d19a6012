package org.settee.net;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.Status;
import org.settee.security.CertificateIssuer;
import org.settee.security.ClientCertAuth;
import org.settee.security.ClientCertAuth.Field;
import org.settee.security.ClientCertAuth.Prefix;
import org.settee.security.ClientCertAuth.State;
import org.settee.security.PemFiles;
import org.settee.security.TlsMaterial;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.TestTls;

/**
 * {@code POST /node/controller/loadTrustedCAs}: the CA certificates in {@code inbox/CA/} join the
 * node's own in {@code /pools/default/trustedCAs} (ns_server's shape, answered with those added),
 * client certificates they issued authenticate on new connections, and all of it survives a
 * restart; a file that is not PEM is a 400 naming it, and nothing changes.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TrustedCasIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ClientCertAuth MANDATORY_BY_CN =
      new ClientCertAuth(State.MANDATORY, List.of(new Prefix(Field.SUBJECT_CN, "", "")));

  @TempDir Path dataDir;
  private EmbeddedNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void loadedCasAreListedTrustedForClientCertificatesAndKept() throws Exception {
    node = EmbeddedNode.start(dataDir);
    node.addUser("certuser", "unused-password", "data_writer[default]", "data_reader[default]");
    node.node().clientCertAuth(MANDATORY_BY_CN);
    X509Certificate nodeCa = node.node().tls().material().ca();
    CertificateIssuer corp = CertificateIssuer.newCa("corp CA");
    CertificateIssuer partner = CertificateIssuer.newCa("partner CA");
    TlsMaterial client = corp.issueClient("certuser", List.of(), List.of(), List.of());
    assertThat(refused(client, nodeCa)).as("before: a corp certificate is refused").isTrue();

    Path inbox = dataDir.resolve("inbox/CA");
    Files.createDirectories(inbox);
    // One file may hold several; the node's own CA is already trusted and is skipped.
    PemFiles.writeCertificates(inbox.resolve("corp.pem"), List.of(corp.caCertificate(), nodeCa));
    PemFiles.writeCertificates(inbox.resolve("partner.pem"), List.of(partner.caCertificate()));
    Files.writeString(inbox.resolve(".editor-backup"), "not PEM, and skipped");

    HttpResponse<String> loaded = post("/node/controller/loadTrustedCAs");
    assertThat(loaded.statusCode()).as(loaded.body()).isEqualTo(200);
    JsonNode added = JSON.readTree(loaded.body());
    assertThat(added).hasSize(2);
    assertThat(added.get(0).get("id").asInt()).isEqualTo(1);
    assertThat(added.get(0).get("subject").asText()).isEqualTo("CN=corp CA");
    assertThat(added.get(0).get("type").asText()).isEqualTo("uploaded");
    assertThat(added.get(0).get("loadFile").asText()).endsWith("inbox/CA/corp.pem");
    assertThat(added.get(0).get("loadHost").asText()).isEqualTo("127.0.0.1");
    assertThat(added.get(0).get("pem").asText())
        .isEqualTo(PemFiles.toPem(List.of(corp.caCertificate())));
    assertThat(added.get(0).has("notBefore")).isTrue();
    assertThat(added.get(0).has("notAfter")).isTrue();
    assertThat(added.get(0).has("loadTimestamp")).isTrue();
    assertThat(added.get(1).get("id").asInt()).isEqualTo(2);
    assertThat(added.get(1).get("subject").asText()).isEqualTo("CN=partner CA");

    assertThat(subjects(get("/pools/default/trustedCAs")))
        .containsExactly(nodeCa.getSubjectX500Principal().getName(), "CN=corp CA", "CN=partner CA");
    assertAuthenticatesAsCertuser(client, nodeCa);

    HttpResponse<String> again = post("/node/controller/loadTrustedCAs");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).as("all trusted already").isEqualTo("[]");

    node.close();
    node = EmbeddedNode.start(dataDir);
    assertThat(subjects(get("/pools/default/trustedCAs")))
        .containsExactly(nodeCa.getSubjectX500Principal().getName(), "CN=corp CA", "CN=partner CA");
    assertAuthenticatesAsCertuser(client, nodeCa);
  }

  @Test
  void aFileThatIsNotPemIsA400NamingItAndNothingChanges() throws Exception {
    node = EmbeddedNode.start(dataDir);
    HttpResponse<String> noInbox = post("/node/controller/loadTrustedCAs");
    assertThat(noInbox.statusCode()).isEqualTo(400);
    assertThat(noInbox.body()).contains("inbox/CA").contains("does not exist");

    Path inbox = dataDir.resolve("inbox/CA");
    Files.createDirectories(inbox);
    PemFiles.writeCertificates(
        inbox.resolve("a-good.pem"), List.of(CertificateIssuer.newCa("good CA").caCertificate()));
    Files.writeString(inbox.resolve("b-bad.pem"), "-----BEGIN CERTIFICATE-----\nnope\n");
    String before = get("/pools/default/trustedCAs").body();

    HttpResponse<String> bad = post("/node/controller/loadTrustedCAs");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("b-bad.pem");
    assertThat(get("/pools/default/trustedCAs").body()).isEqualTo(before);
    assertThat(dataDir.resolve("config/certs/trusted-cas.json")).doesNotExist();
    assertThat(node.node().tls().trusted()).hasSize(1);
  }

  // ---- helpers ----

  private void assertAuthenticatesAsCertuser(TlsMaterial client, X509Certificate nodeCa) {
    try (KvTestClient c =
        KvTestClient.connectTls(
            node.node().kvTlsPort(),
            node.node().options().defaultBucketVBuckets(),
            context(client, nodeCa))) {
      assertThat(c.selectBucket("default").status()).isEqualTo(Status.SUCCESS);
      assertThat(c.set("by-corp-certificate", "yes").status()).isEqualTo(Status.SUCCESS);
    }
  }

  /**
   * Whether the server refuses the client: the handshake fails, or (TLS 1.3, where the client
   * finishes before the server has judged its certificate) the server closes before answering.
   */
  private boolean refused(TlsMaterial client, X509Certificate nodeCa) {
    KvTestClient c;
    try {
      c =
          KvTestClient.connectTls(
              node.node().kvTlsPort(),
              node.node().options().defaultBucketVBuckets(),
              context(client, nodeCa));
    } catch (UncheckedIOException handshakeFailed) {
      return true;
    }
    try (c) {
      return c.awaitClosed(Duration.ofSeconds(10));
    } catch (UncheckedIOException alert) {
      return true;
    }
  }

  /** Trusts the node's CA and presents {@code client} when the server asks for it. */
  private static SSLContext context(TlsMaterial client, X509Certificate nodeCa) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("ca", nodeCa);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry(
          "client", client.key(), new char[0], client.chain().toArray(X509Certificate[]::new));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> subjects(HttpResponse<String> trustedCas) throws Exception {
    assertThat(trustedCas.statusCode()).isEqualTo(200);
    JsonNode list = JSON.readTree(trustedCas.body());
    for (int i = 0; i < list.size(); i++) {
      assertThat(list.get(i).get("id").asInt()).isEqualTo(i);
    }
    return java.util.stream.StreamSupport.stream(list.spliterator(), false)
        .map(ca -> ca.get("subject").asText())
        .toList();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send("GET", path);
  }

  private HttpResponse<String> post(String path) throws Exception {
    return send("POST", path);
  }

  /** Plain HTTP: with mandatory client certificates, HTTPS would need one too. */
  private HttpResponse<String> send(String method, String path) {
    return TestTls.sendPlain(node.node().mgmtPort(), method, path, null);
  }
}
