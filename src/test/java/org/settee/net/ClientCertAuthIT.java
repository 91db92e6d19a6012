package org.settee.net;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.settee.protocol.Feature;
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
import org.slf4j.LoggerFactory;

/**
 * Mutual TLS on the KV TLS port: a JDK client with a certificate issued by the node's CA is the
 * user its certificate names, without SASL, on both server engines; a certificate naming an unknown
 * user, one from another CA, and (when mandatory) no certificate at all are refused, each with a
 * close line saying why; HTTPS takes the certificate as the user too; the settings are managed over
 * REST, admin-only, and persisted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientCertAuthIT {
  private static final ClientCertAuth BY_CN =
      new ClientCertAuth(State.ENABLE, List.of(new Prefix(Field.SUBJECT_CN, "", "")));

  @TempDir Path dir;
  private EmbeddedNode node;
  private X509Certificate ca;
  private CertificateIssuer issuer;
  private final ListAppender<ILoggingEvent> closeLines = new ListAppender<>();
  private final Logger handlerLog = (Logger) LoggerFactory.getLogger(KvConnectionHandler.class);

  private void start(TlsEngine engine) {
    node = EmbeddedNode.start(dir.resolve("data"), o -> o.tlsEngine(engine));
    node.addUser("certuser", "unused-password", "data_writer[default]", "data_reader[default]");
    Path certs = dir.resolve("data/config/certs");
    ca = PemFiles.readCertificates(certs.resolve("ca.pem")).get(0);
    issuer = CertificateIssuer.of(ca, PemFiles.readPrivateKey(certs.resolve("ca-key.pem")));
  }

  @BeforeEach
  void captureConnectionLog() {
    closeLines.start();
    handlerLog.addAppender(closeLines);
  }

  @AfterEach
  void stop() {
    handlerLog.detachAppender(closeLines);
    if (node != null) {
      node.close();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"JDK", "OPENSSL"})
  void aCertificateFromTheNodeCaAuthenticatesWithoutSasl(TlsEngine engine) {
    start(engine);
    node.node().clientCertAuth(BY_CN);
    TlsMaterial client = issuer.issueClient("certuser", List.of(), List.of(), List.of());
    try (KvTestClient c = connect(client)) {
      assertThat(c.hello(Feature.XERROR, Feature.SELECT_BUCKET).status()).isEqualTo(Status.SUCCESS);
      assertThat(c.selectBucket("default").status()).isEqualTo(Status.SUCCESS);
      assertThat(c.set("mtls", "by certificate").status()).isEqualTo(Status.SUCCESS);
      assertThat(KvTestClient.text(c.get("mtls").value())).isEqualTo("by certificate");
      // The certificate is the identity for the connection's life.
      assertThat(c.authPlain(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD).status())
          .isEqualTo(Status.NOT_SUPPORTED);
    }
    assertThat(awaitLogLine("authenticated as 'certuser' by client certificate")).isTrue();
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"JDK", "OPENSSL"})
  void mandatoryRefusesAClientWithoutACertificate(TlsEngine engine) {
    start(engine);
    node.node().clientCertAuth(new ClientCertAuth(State.MANDATORY, BY_CN.prefixes()));
    assertThat(refused(null)).isTrue();
    assertThat(awaitLogLine("TLS handshake failed")).isTrue();
    // A client with a certificate still gets in.
    try (KvTestClient c =
        connect(issuer.issueClient("certuser", List.of(), List.of(), List.of()))) {
      assertThat(c.selectBucket("default").status()).isEqualTo(Status.SUCCESS);
    }
  }

  @Test
  void enabledStillLetsAClientWithoutACertificateUseSasl() {
    start(TlsEngine.AUTO);
    node.node().clientCertAuth(BY_CN);
    try (KvTestClient c = connect(null)) {
      assertThat(c.selectBucket("default").status()).isEqualTo(Status.EACCESS);
      assertThat(c.authPlain(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD).status())
          .isEqualTo(Status.SUCCESS);
      assertThat(c.selectBucket("default").status()).isEqualTo(Status.SUCCESS);
    }
  }

  @Test
  void aCertificateNamingAnUnknownUserIsClosedWithTheReason() {
    start(TlsEngine.AUTO);
    node.node().clientCertAuth(BY_CN);
    assertThat(refused(issuer.issueClient("ghost", List.of(), List.of(), List.of()))).isTrue();
    assertThat(awaitLogLine("names user 'ghost', unknown")).isTrue();
  }

  @Test
  void aCertificateNoRuleReadsIsClosedWithTheReason() {
    start(TlsEngine.AUTO);
    node.node()
        .clientCertAuth(
            new ClientCertAuth(State.ENABLE, List.of(new Prefix(Field.SAN_EMAIL, "", "@"))));
    assertThat(refused(issuer.issueClient("certuser", List.of(), List.of(), List.of()))).isTrue();
    assertThat(awaitLogLine("names no user: no rule matched: san.email (absent)")).isTrue();
  }

  @Test
  void aSanEmailRuleNamesTheUserBeforeTheDelimiter() {
    start(TlsEngine.AUTO);
    node.node()
        .clientCertAuth(
            new ClientCertAuth(State.ENABLE, List.of(new Prefix(Field.SAN_EMAIL, "", "@"))));
    TlsMaterial client =
        issuer.issueClient("someone", List.of("certuser@example.com"), List.of(), List.of());
    try (KvTestClient c = connect(client)) {
      assertThat(c.selectBucket("default").status()).isEqualTo(Status.SUCCESS);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"JDK", "OPENSSL"})
  void aCertificateFromAnotherCaIsRefused(TlsEngine engine) {
    start(engine);
    node.node().clientCertAuth(BY_CN);
    TlsMaterial stranger =
        CertificateIssuer.newCa("another CA")
            .issueClient("certuser", List.of(), List.of(), List.of());
    assertThat(refused(stranger)).isTrue();
    assertThat(awaitLogLine("TLS handshake failed")).isTrue();
  }

  @Test
  void disabledAsksForNoCertificateAndAPresentedOneIsIgnored() {
    start(TlsEngine.AUTO);
    assertThat(node.node().clientCertAuth()).isEqualTo(ClientCertAuth.DISABLED);
    try (KvTestClient c =
        connect(issuer.issueClient("certuser", List.of(), List.of(), List.of()))) {
      assertThat(c.selectBucket("default").status()).isEqualTo(Status.EACCESS);
    }
  }

  @Test
  void aChangeAppliesToNewConnectionsOnly() {
    start(TlsEngine.AUTO);
    TlsMaterial client = issuer.issueClient("certuser", List.of(), List.of(), List.of());
    try (KvTestClient before = connect(client)) {
      node.node().clientCertAuth(BY_CN);
      assertThat(before.selectBucket("default").status()).isEqualTo(Status.EACCESS);
      try (KvTestClient after = connect(client)) {
        assertThat(after.selectBucket("default").status()).isEqualTo(Status.SUCCESS);
      }
    }
  }

  @Test
  void settingsOverRestAreValidatedAdminOnlyAndPersisted() throws Exception {
    start(TlsEngine.AUTO);
    node.addUser("reader", "password", "bucket_admin[default]");
    assertThat(rest("GET", EmbeddedNode.ADMIN, null).body())
        .isEqualTo("{\"state\":\"disable\",\"prefixes\":[]}");
    String settings =
        "{\"state\":\"enable\",\"prefixes\":[{\"path\":\"subject.cn\",\"prefix\":\"\","
            + "\"delimiter\":\"\"}]}";
    assertThat(rest("POST", "reader", settings).statusCode()).isEqualTo(403);
    HttpResponse<String> bad = rest("POST", EmbeddedNode.ADMIN, "{\"state\":\"enable\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("Must contain 'state' and 'prefixes'");
    HttpResponse<String> twoErrors =
        rest("POST", EmbeddedNode.ADMIN, "{\"state\":\"x\",\"prefixes\":[{\"path\":\"y\"}]}");
    assertThat(twoErrors.statusCode()).isEqualTo(400);
    assertThat(twoErrors.body()).startsWith("[").contains("Invalid value 'x' for key 'state'");
    assertThat(node.node().clientCertAuth()).isEqualTo(ClientCertAuth.DISABLED);

    assertThat(rest("POST", EmbeddedNode.ADMIN, settings).statusCode()).isEqualTo(202);
    assertThat(rest("POST", EmbeddedNode.ADMIN, settings).statusCode()).isEqualTo(200);
    assertThat(rest("GET", EmbeddedNode.ADMIN, null).body()).isEqualTo(settings);
    assertThat(node.node().clientCertAuth()).isEqualTo(BY_CN);

    node.close();
    node = EmbeddedNode.start(dir.resolve("data"));
    assertThat(node.node().clientCertAuth()).isEqualTo(BY_CN);
    assertThat(Files.readString(dir.resolve("data/config/client-cert-auth.json")))
        .isEqualTo(settings);
  }

  @Test
  void httpsTakesTheCertificateAsTheUserAndClosesOnAnUnknownOne() throws Exception {
    start(TlsEngine.AUTO);
    node.node().clientCertAuth(BY_CN);
    HttpResponse<String> whoami =
        https(issuer.issueClient("certuser", List.of(), List.of(), List.of()), "/whoami");
    assertThat(whoami.statusCode()).isEqualTo(200);
    assertThat(whoami.body()).contains("\"id\":\"certuser\"");
    // Without a certificate, Basic auth as before.
    assertThat(https(null, "/whoami").statusCode()).isEqualTo(401);
    Throwable refused =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> https(issuer.issueClient("ghost", List.of(), List.of(), List.of()), "/whoami"));
    assertThat(refused).isInstanceOf(java.io.IOException.class);
  }

  // ---- helpers ----

  private HttpResponse<String> https(TlsMaterial client, String path) throws Exception {
    try (HttpClient http =
        HttpClient.newBuilder()
            .sslContext(context(client))
            .connectTimeout(Duration.ofSeconds(5))
            .build()) {
      return http.send(
          HttpRequest.newBuilder(
                  URI.create("https://127.0.0.1:" + node.node().mgmtTlsPort() + path))
              .timeout(Duration.ofSeconds(10))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  /** Connects over TLS trusting the node's CA, presenting {@code client} unless null. */
  private KvTestClient connect(TlsMaterial client) {
    return KvTestClient.connectTls(
        node.node().kvTlsPort(), node.node().options().defaultBucketVBuckets(), context(client));
  }

  /**
   * Whether the server refuses the client: the handshake fails, or (TLS 1.3, where the client
   * finishes before the server has judged its certificate) the server closes before answering.
   */
  private boolean refused(TlsMaterial client) {
    KvTestClient c;
    try {
      c = connect(client);
    } catch (UncheckedIOException handshakeFailed) {
      return true;
    }
    try (c) {
      return c.awaitClosed(Duration.ofSeconds(10));
    } catch (UncheckedIOException alert) {
      return true; // the TLS alert the server sent on its way out
    }
  }

  private boolean awaitLogLine(String fragment) {
    return EmbeddedNode.await(
        Duration.ofSeconds(10),
        () ->
            List.copyOf(closeLines.list).stream()
                .anyMatch(e -> e.getFormattedMessage().contains(fragment)));
  }

  private SSLContext context(TlsMaterial client) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (client != null) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry(
            "client", client.key(), new char[0], client.chain().toArray(X509Certificate[]::new));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          kmf == null ? null : new KeyManager[] {new AlwaysPresent(kmf)},
          tmf.getTrustManagers(),
          null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Presents the client's certificate whatever CAs the server names: the JDK's own key manager
   * would keep a certificate from another CA to itself, and the server must be seen refusing one.
   */
  private static final class AlwaysPresent extends X509ExtendedKeyManager {
    private final X509KeyManager keys;

    AlwaysPresent(KeyManagerFactory kmf) {
      this.keys = (X509KeyManager) kmf.getKeyManagers()[0];
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return "client";
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine e) {
      return "client";
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return keys.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return keys.getPrivateKey(alias);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {"client"};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return new String[0];
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  private HttpResponse<String> rest(String method, String user, String body) throws Exception {
    String auth =
        Base64.getEncoder().encodeToString((user + ":password").getBytes(StandardCharsets.UTF_8));
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(
                  URI.create(
                      "http://127.0.0.1:" + node.node().mgmtPort() + "/settings/clientCertAuth"))
              .header("Authorization", "Basic " + auth)
              .timeout(Duration.ofSeconds(10));
      b.method(
          method,
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) {
        b.header("Content-Type", "application/json");
      }
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
