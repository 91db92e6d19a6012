package org.settee.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.Status;
import org.settee.security.TlsMaterial;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.TestTls;

/**
 * Seed 000: rotating the node certificate while clients sit in the middle of a handshake never
 * strands one. Each stalled handshake is closed by its deadline, a handshake accepted before the
 * rotation completes with the certificate it was accepted with, established connections stay up,
 * new connections get the new certificate, and the open connections return to the baseline.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsRotationIT {
  private static final Duration HANDSHAKE_DEADLINE = Duration.ofMillis(1000);
  private static final Duration WITHIN = Duration.ofSeconds(10);
  private static final int STALLED = 24;

  @TempDir Path dataDir;

  @Test
  void stalledHandshakesEndByTheirDeadlineAcrossRotations() throws Exception {
    try (EmbeddedNode node =
        EmbeddedNode.start(dataDir, o -> o.tlsHandshakeTimeout(HANDSHAKE_DEADLINE))) {
      int port = node.node().kvTlsPort();
      int vbuckets = node.node().options().defaultBucketVBuckets();
      TlsMaterial original = node.node().tls().material();
      TlsMaterial second = TestTls.newCertificate("second");
      TlsMaterial third = TestTls.newCertificate("third");
      SSLContext trustAll = TestTls.trusting(original.ca(), second.ca(), third.ca());

      try (KvTestClient established =
          KvTestClient.connectTls(port, vbuckets, TestTls.trusting(original.ca()))) {
        established.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");
        int baseline = node.node().connections().openCount();

        // Half connect and say nothing, half send the first half of a ClientHello.
        byte[] hello = clientHello(port);
        List<Socket> stalled = new ArrayList<>();
        for (int i = 0; i < STALLED; i++) {
          Socket s = connect(port);
          if (i % 2 == 1) {
            s.getOutputStream().write(Arrays.copyOf(hello, hello.length / 2));
            s.getOutputStream().flush();
          }
          stalled.add(s);
        }
        // A connection accepted before the rotation, whose handshake runs after it.
        Socket early = connect(port);
        assertThat(awaitOpen(node, baseline + STALLED + 1)).isTrue();

        TestTls.putInInbox(dataDir, second);
        node.node().reloadCertificate();

        try (SSLSocket tls =
            (SSLSocket) trustAll.getSocketFactory().createSocket(early, "127.0.0.1", port, true)) {
          tls.setSoTimeout(5000);
          tls.startHandshake();
          assertThat(tls.getSession().getPeerCertificates()[0]).isEqualTo(original.leaf());
        }
        try (KvTestClient fresh = KvTestClient.connectTls(port, vbuckets, trustAll)) {
          assertThat(fresh.tlsSession().getPeerCertificates()[0]).isEqualTo(second.leaf());
        }

        // The second rotation goes through the REST API over HTTPS.
        TestTls.putInInbox(dataDir, third);
        HttpResponse<String> reload =
            TestTls.send(
                trustAll, node.node().mgmtTlsPort(), "POST", "/node/controller/reloadCertificate");
        assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
        try (KvTestClient fresh =
            KvTestClient.connectTls(port, vbuckets, TestTls.trusting(third.ca()))) {
          assertThat(fresh.tlsSession().getPeerCertificates()[0]).isEqualTo(third.leaf());
          fresh.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");
          assertThat(fresh.set("after-rotation", "v").status()).isEqualTo(Status.SUCCESS);
        }

        for (Socket s : stalled) {
          assertClosedByServer(s);
        }
        assertThat(awaitOpen(node, baseline))
            .as("open connections: %d", node.node().connections().openCount())
            .isTrue();
        assertThat(established.set("still-up", "yes").status()).isEqualTo(Status.SUCCESS);
        assertThat(new String(established.get("after-rotation").value(), StandardCharsets.UTF_8))
            .isEqualTo("v");
      }
    }
  }

  private static boolean awaitOpen(EmbeddedNode node, int expected) {
    return EmbeddedNode.await(WITHIN, () -> node.node().connections().openCount() == expected);
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    return s;
  }

  /** The server closes the socket: what it sends first (an alert) is read, then end of stream. */
  private static void assertClosedByServer(Socket s) throws IOException {
    s.setSoTimeout((int) WITHIN.toMillis());
    try (s) {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      while (in.read(buf) >= 0) {
        // an alert, discarded
      }
    } catch (SocketException e) {
      // reset by the server: closed too
    }
  }

  /** The bytes of a JDK client's first flight (the ClientHello). */
  private static byte[] clientHello(int port) throws Exception {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine("127.0.0.1", port);
    engine.setUseClientMode(true);
    engine.beginHandshake();
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] bytes = new byte[out.remaining()];
    out.get(bytes);
    return bytes;
  }
}
