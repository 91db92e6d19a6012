package org.settee.net;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.Status;
import org.settee.security.PemFiles;
import org.settee.security.TlsMaterial;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.TestTls;
import org.slf4j.LoggerFactory;

/**
 * {@code reloadCertificate} beyond rotation itself: a store that fails leaves the old certificate
 * served and on disk, across a restart; {@code {"dropExistingConnections": true}} closes the KV TLS
 * and HTTPS connections on the old certificate (the reloading request still gets its answer) and
 * leaves plain ones, and a reload of unchanged files closes none; a body it cannot take is a 400
 * that changes nothing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CertificateReloadIT {
  private static final Duration WITHIN = Duration.ofSeconds(10);
  private static final String RELOAD = "/node/controller/reloadCertificate";

  @TempDir Path dataDir;
  private EmbeddedNode node;
  private final ListAppender<ILoggingEvent> tlsLog = new ListAppender<>();
  private final Logger serverTlsLogger = (Logger) LoggerFactory.getLogger(ServerTls.class);

  @BeforeEach
  void captureTlsLog() {
    tlsLog.start();
    serverTlsLogger.addAppender(tlsLog);
  }

  @AfterEach
  void stop() {
    serverTlsLogger.detachAppender(tlsLog);
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aStoreThatFailsKeepsTheOldCertificateServedAndOnDiskAcrossARestart() throws Exception {
    node = EmbeddedNode.start(dataDir);
    TlsMaterial original = node.node().tls().material();
    TlsMaterial next = TestTls.newCertificate("next");
    TestTls.putInInbox(dataDir, next);
    Path certs = dataDir.resolve("config/certs");
    SSLContext trustBoth = TestTls.trusting(original.ca(), next.ca());

    // node.pem cannot be replaced: a directory (not empty) sits where its temporary file goes.
    Path blockNode = block(certs.resolve("node.pem.tmp"));
    HttpResponse<String> failed = reload(trustBoth, null);
    assertThat(failed.statusCode()).as(failed.body()).isEqualTo(500);
    assertThat(failed.body()).contains("previous certificate stays in use");
    assertThat(presented(trustBoth, node.node().kvTlsPort())).isEqualTo(original.leaf());
    assertThat(storedChain(certs)).isEqualTo(original.chain());
    deleteTree(blockNode);

    // node.pem is replaced, then its CA copy cannot be: node.pem must be put back.
    Path blockCa = block(certs.resolve("ca.pem.tmp"));
    failed = reload(trustBoth, null);
    assertThat(failed.statusCode()).as(failed.body()).isEqualTo(500);
    assertThat(presented(trustBoth, node.node().kvTlsPort())).isEqualTo(original.leaf());
    assertThat(presented(trustBoth, node.node().mgmtTlsPort())).isEqualTo(original.leaf());
    assertThat(storedChain(certs)).isEqualTo(original.chain());
    assertThat(PemFiles.readCertificates(certs.resolve("ca.pem"))).containsExactly(original.ca());

    node.close();
    deleteTree(blockCa);
    node = EmbeddedNode.start(dataDir);
    assertThat(node.node().tls().material().chain()).isEqualTo(original.chain());
    assertThat(presented(trustBoth, node.node().kvTlsPort())).isEqualTo(original.leaf());

    // Unblocked, the same reload goes through and survives a restart.
    HttpResponse<String> ok = reload(trustBoth, null);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("{\"warnings\":[]}");
    assertThat(presented(trustBoth, node.node().kvTlsPort())).isEqualTo(next.leaf());
    node.close();
    node = EmbeddedNode.start(dataDir);
    assertThat(presented(trustBoth, node.node().kvTlsPort())).isEqualTo(next.leaf());
  }

  @Test
  void dropExistingConnectionsClosesTlsConnectionsOnTheOldCertificateOnly() throws Exception {
    node = EmbeddedNode.start(dataDir);
    TlsMaterial original = node.node().tls().material();
    TlsMaterial between = TestTls.newCertificate("between");
    TlsMaterial next = TestTls.newCertificate("next");
    SSLContext trustBoth = TestTls.trusting(original.ca(), between.ca(), next.ca());
    int vbuckets = node.node().options().defaultBucketVBuckets();

    try (KvTestClient kvTls =
            KvTestClient.connectTls(node.node().kvTlsPort(), vbuckets, trustBoth);
        KvTestClient plain = node.admin();
        SSLSocket https = handshake(trustBoth, node.node().mgmtTlsPort())) {
      kvTls.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");

      // Without the flag (an explicit false here) they all stay, as by default. Asked over plain
      // HTTP: a TLS connection of this request's own, closing while the next reload runs, would
      // make the count below racy.
      TestTls.putInInbox(dataDir, between);
      HttpResponse<String> kept = plainReload("{\"dropExistingConnections\": false}");
      assertThat(kept.statusCode()).as(kept.body()).isEqualTo(200);
      assertThat(kept.body()).isEqualTo("{\"warnings\":[]}");
      assertThat(kvTls.set("kept", "yes").status()).isEqualTo(Status.SUCCESS);

      // With it, the reloading request itself goes over HTTPS on the previous certificate: it is
      // one of the three dropped, and still gets its answer.
      TestTls.putInInbox(dataDir, next);
      HttpResponse<String> dropped = reload(trustBoth, "{\"dropExistingConnections\": true}");
      assertThat(dropped.statusCode()).as(dropped.body()).isEqualTo(200);
      assertThat(dropped.body()).isEqualTo("{\"warnings\":[],\"droppedConnections\":3}");

      assertThat(kvTls.awaitClosed(WITHIN)).as("KV TLS connection closed").isTrue();
      assertThat(closedByServer(https)).as("HTTPS connection closed").isTrue();
      assertThat(plain.set("plain", "still up").status()).isEqualTo(Status.SUCCESS);
      assertThat(KvTestClient.text(plain.get("kept").value())).isEqualTo("yes");
    }
    assertThat(presented(trustBoth, node.node().kvTlsPort())).isEqualTo(next.leaf());
    assertThat(presented(trustBoth, node.node().mgmtTlsPort())).isEqualTo(next.leaf());
    try (KvTestClient fresh =
        KvTestClient.connectTls(node.node().kvTlsPort(), vbuckets, TestTls.trusting(next.ca()))) {
      fresh.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");
      assertThat(KvTestClient.text(fresh.get("plain").value())).isEqualTo("still up");
    }
    assertThat(tlsLines("dropped"))
        .as("one line, for the reload that asked; none for the one that did not")
        .containsExactly(
            "TLS: dropped 3 connection(s) (KV TLS and HTTPS) accepted with a previous node"
                + " certificate");
  }

  @Test
  void reloadingTheSameFilesWithDropExistingConnectionsDropsNothing() throws Exception {
    node = EmbeddedNode.start(dataDir);
    TlsMaterial same = TestTls.newCertificate("same");
    TlsMaterial next = TestTls.newCertificate("next");
    SSLContext trust = TestTls.trusting(same.ca(), next.ca());
    int vbuckets = node.node().options().defaultBucketVBuckets();
    TestTls.putInInbox(dataDir, same);
    HttpResponse<String> first = plainReload(null);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);

    try (KvTestClient kvTls = KvTestClient.connectTls(node.node().kvTlsPort(), vbuckets, trust);
        SSLSocket https = handshake(trust, node.node().mgmtTlsPort())) {
      kvTls.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");

      // The very same files again, read into new objects: no connection is on anything replaced.
      HttpResponse<String> again = plainReload("{\"dropExistingConnections\": true}");
      assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
      assertThat(again.body()).isEqualTo("{\"warnings\":[],\"droppedConnections\":0}");
      // A retirement reaches a connection's loop before the reload answers: a request sent now
      // would find the connection closing. Both still answer.
      assertThat(kvTls.set("after", "same files").status()).isEqualTo(Status.SUCCESS);
      assertThat(statusLine(https, "/pools")).startsWith("HTTP/1.1 ");

      // A new certificate still drops both: they were kept, not lost track of.
      TestTls.putInInbox(dataDir, next);
      HttpResponse<String> changed = plainReload("{\"dropExistingConnections\": true}");
      assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
      assertThat(changed.body()).isEqualTo("{\"warnings\":[],\"droppedConnections\":2}");
      assertThat(kvTls.awaitClosed(WITHIN)).as("KV TLS connection closed").isTrue();
      assertThat(closedByServer(https)).as("HTTPS connection closed").isTrue();
    }
    assertThat(tlsLines("rotated"))
        .as("a rotation logged for each new certificate, none for the same one again")
        .hasSize(2);
  }

  @Test
  void aBodyItCannotTakeIsA400AndChangesNothing() throws Exception {
    node = EmbeddedNode.start(dataDir);
    TlsMaterial original = node.node().tls().material();
    TestTls.putInInbox(dataDir, TestTls.newCertificate("never"));
    int vbuckets = node.node().options().defaultBucketVBuckets();
    try (KvTestClient kvTls =
        KvTestClient.connectTls(
            node.node().kvTlsPort(), vbuckets, TestTls.trusting(original.ca()))) {
      assertBadRequest("{not json", "{\"errors\":{\"_\":\"Invalid Json\"}}");
      assertBadRequest("[true]", "must be a JSON object");
      assertBadRequest(
          "{\"dropConnections\": true}",
          "{\"errors\":{\"dropConnections\":\"Unsupported key: reloadCertificate takes only"
              + " dropExistingConnections (true or false)\"}}");
      assertBadRequest(
          "{\"dropExistingConnections\": \"yes\"}",
          "{\"errors\":{\"dropExistingConnections\":\"Value must be true or false\"}}");
      assertBadRequest(
          "{\"privateKeyPassphrase\": {\"type\": \"plain\", \"password\": \"x\"}}",
          "unencrypted private keys");
      assertThat(node.node().tls().material()).isSameAs(original);
      assertThat(kvTls.awaitClosed(Duration.ofMillis(200))).as("still open").isFalse();
    }
  }

  // ---- helpers ----

  private void assertBadRequest(String body, String expected) throws Exception {
    HttpResponse<String> r = plainReload(body);
    assertThat(r.statusCode()).as(body + " -> " + r.body()).isEqualTo(400);
    assertThat(r.body()).contains(expected);
  }

  private HttpResponse<String> reload(SSLContext trust, String body) {
    return TestTls.send(trust, node.node().mgmtTlsPort(), "POST", RELOAD, body);
  }

  private HttpResponse<String> plainReload(String body) {
    return TestTls.sendPlain(node.node().mgmtPort(), "POST", RELOAD, body);
  }

  private static List<X509Certificate> storedChain(Path certs) {
    return PemFiles.readKeyAndChain(certs.resolve("node.pem")).chain();
  }

  /** A directory with a file in it at {@code path}: nothing can be written or deleted there. */
  private static Path block(Path path) throws IOException {
    Files.createDirectories(path);
    Files.writeString(path.resolve("in-the-way"), "x");
    return path;
  }

  private static void deleteTree(Path dir) throws IOException {
    Files.delete(dir.resolve("in-the-way"));
    Files.delete(dir);
  }

  private static SSLSocket handshake(SSLContext trust, int port) throws IOException {
    SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout((int) WITHIN.toMillis());
    s.startHandshake();
    return s;
  }

  /** The certificate a new handshake on {@code port} is presented. */
  private static X509Certificate presented(SSLContext trust, int port) throws IOException {
    try (SSLSocket s = handshake(trust, port)) {
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }

  /**
   * Sends {@code GET path} on {@code s} and reads the whole response (headers and a body of
   * Content-Length bytes), leaving the connection ready for more; returns the status line.
   */
  private static String statusLine(SSLSocket s, String path) throws IOException {
    s.getOutputStream()
        .write(
            ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    List<String> headers = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + headers + " " + line);
      }
      if (b == '\n') {
        String header = line.toString().strip();
        line.setLength(0);
        if (header.isEmpty()) {
          break;
        }
        headers.add(header);
      } else {
        line.append((char) b);
      }
    }
    int length =
        headers.stream()
            .filter(h -> h.regionMatches(true, 0, "content-length:", 0, 15))
            .map(h -> Integer.parseInt(h.substring(15).strip()))
            .findFirst()
            .orElseThrow(() -> new IOException("no Content-Length in " + headers));
    if (in.readNBytes(length).length != length) {
      throw new IOException("closed in the body after " + headers);
    }
    return headers.get(0);
  }

  /** Whether the server closes {@code s} (end of stream or reset) within the deadline. */
  private static boolean closedByServer(SSLSocket s) throws IOException {
    InputStream in = s.getInputStream();
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }

  /** The TLS log's lines so far that contain {@code word}. */
  private List<String> tlsLines(String word) {
    return List.copyOf(tlsLog.list).stream()
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains(word))
        .toList();
  }
}
