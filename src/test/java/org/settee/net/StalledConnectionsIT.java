package org.settee.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.Feature;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.TestTls;

/**
 * Connections that never get anywhere cost nothing for long: hundreds that connect to a TLS port
 * and stall (send nothing, or a few bytes of a record that never completes) or send garbage are
 * closed by the handshake deadline or at once, the open connections and the process's file
 * descriptors return to their baseline, and a KV connection that never authenticates, plain or TLS,
 * is closed by the authentication deadline.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StalledConnectionsIT {
  private static final Duration HANDSHAKE_DEADLINE = Duration.ofMillis(1500);
  private static final Duration AUTH_DEADLINE = Duration.ofMillis(1000);

  /** Scheduling on a small machine with hundreds of timers firing together. */
  private static final Duration SLACK = Duration.ofSeconds(3);

  /** Netty's timers may fire a tick early; a close this much before the deadline is not one. */
  private static final Duration EARLY = Duration.ofMillis(100);

  private static final int STALLED = 500;
  private static final int PARTIAL_RECORDS = 30;
  private static final int GARBAGE = 30;
  private static final int STALLED_HTTPS = 100;

  /** A TLS handshake record header announcing 16 KiB, then only a little of it. */
  private static final byte[] PARTIAL_RECORD = {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f};

  /** What a plain HTTP client sends to a TLS port by mistake. */
  private static final byte[] NOT_TLS =
      "GET /pools HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dataDir;

  /** A node whose handshake deadline closes stalled handshakes (its auth deadline is far off). */
  private EmbeddedNode startWithShortHandshakeDeadline() {
    return EmbeddedNode.start(dataDir, o -> o.tlsHandshakeTimeout(HANDSHAKE_DEADLINE));
  }

  /** A node whose auth deadline closes idle connections (its handshake deadline is far off). */
  private EmbeddedNode startWithShortAuthDeadline() {
    return EmbeddedNode.start(dataDir, o -> o.authDeadline(AUTH_DEADLINE));
  }

  @Test
  void stalledAndGarbageKvTlsConnectionsAreClosedOnTimeAndFdsReturnToBaseline() throws Exception {
    try (EmbeddedNode node = startWithShortHandshakeDeadline()) {
      int port = node.node().kvTlsPort();
      Baseline baseline = Baseline.after(node, port);

      List<Peer> peers = new ArrayList<>();
      try {
        for (int i = 0; i < STALLED; i++) {
          peers.add(Peer.open(port, Kind.SILENT));
        }
        for (int i = 0; i < PARTIAL_RECORDS; i++) {
          peers.add(Peer.open(port, Kind.PARTIAL_RECORD));
        }
        for (int i = 0; i < GARBAGE; i++) {
          peers.add(Peer.open(port, Kind.GARBAGE));
        }
        assertAllClosedOnTime(peers);
      } finally {
        peers.forEach(Peer::close);
      }
      baseline.awaitReturn();
    }
  }

  @Test
  void stalledHttpsHandshakesAreClosedByTheDeadline() throws Exception {
    try (EmbeddedNode node = startWithShortHandshakeDeadline()) {
      int port = node.node().mgmtTlsPort();
      Baseline baseline = Baseline.after(node, port);

      List<Peer> peers = new ArrayList<>();
      try {
        for (int i = 0; i < STALLED_HTTPS; i++) {
          peers.add(Peer.open(port, i % 2 == 0 ? Kind.SILENT : Kind.PARTIAL_RECORD));
        }
        assertAllClosedOnTime(peers);
      } finally {
        peers.forEach(Peer::close);
      }
      baseline.awaitReturn();
    }
  }

  @Test
  void aPlainKvConnectionThatNeverAuthenticatesIsClosedByTheAuthDeadline() {
    try (EmbeddedNode node = startWithShortAuthDeadline();
        KvTestClient c = node.connect()) {
      assertClosedByTheAuthDeadline(node, c);
    }
  }

  @Test
  void aTlsKvConnectionThatNeverAuthenticatesIsClosedByTheAuthDeadline() {
    try (EmbeddedNode node = startWithShortAuthDeadline();
        KvTestClient c =
            KvTestClient.connectTls(
                node.node().kvTlsPort(),
                node.node().options().defaultBucketVBuckets(),
                TestTls.trusting(node.node().tls().material().ca()))) {
      assertClosedByTheAuthDeadline(node, c);
    }
  }

  /** Says HELLO (so the connection is live and answered), then nothing. */
  private static void assertClosedByTheAuthDeadline(EmbeddedNode node, KvTestClient c) {
    long start = System.nanoTime();
    assertThat(c.hello(Feature.XERROR).status()).isEqualTo(Status.SUCCESS);
    assertThat(c.awaitClosed(AUTH_DEADLINE.plus(SLACK))).as("closed by the server").isTrue();
    Duration after = Duration.ofNanos(System.nanoTime() - start);
    assertThat(after).as("closed after").isGreaterThanOrEqualTo(AUTH_DEADLINE.minus(EARLY));
    assertThat(EmbeddedNode.await(SLACK, () -> node.node().connections().openCount() == 0))
        .as("open connections: %d", node.node().connections().openCount())
        .isTrue();
  }

  private static void assertAllClosedOnTime(List<Peer> peers) throws InterruptedException {
    Duration latest = HANDSHAKE_DEADLINE.plus(SLACK);
    for (Peer p : peers) {
      assertThat(p.awaitClosed(latest.plus(SLACK)))
          .as("%s peer %s closed by the server", p.kind, p.localPort)
          .isTrue();
    }
    for (Peer p : peers) {
      Duration open = p.openFor();
      assertThat(open).as("%s peer %s closed after", p.kind, p.localPort).isLessThan(latest);
      if (p.kind.waitsForTheDeadline) {
        assertThat(open)
            .as("%s peer %s closed after", p.kind, p.localPort)
            .isGreaterThanOrEqualTo(HANDSHAKE_DEADLINE.minus(EARLY));
      }
    }
  }

  /** How a peer misbehaves. */
  private enum Kind {
    /** Connects and sends nothing. */
    SILENT(true),
    /** Starts a TLS record and never finishes it. */
    PARTIAL_RECORD(true),
    /** Sends something that is not TLS: refused at once, so no deadline to wait for. */
    GARBAGE(false);

    final boolean waitsForTheDeadline;

    Kind(boolean waitsForTheDeadline) {
      this.waitsForTheDeadline = waitsForTheDeadline;
    }
  }

  /**
   * One misbehaving client: a virtual thread reads until the server closes the socket and notes
   * when, so that hundreds are timed at once.
   */
  private static final class Peer {
    final Kind kind;
    final int localPort;
    private final Socket socket;
    private final long openedAt;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile long closedAt;

    private Peer(Kind kind, Socket socket, long openedAt) {
      this.kind = kind;
      this.socket = socket;
      this.localPort = socket.getLocalPort();
      this.openedAt = openedAt;
    }

    static Peer open(int port, Kind kind) throws IOException {
      Socket s = new Socket();
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      Peer p = new Peer(kind, s, System.nanoTime());
      switch (kind) {
        case SILENT -> {}
        case PARTIAL_RECORD -> write(s, PARTIAL_RECORD);
        case GARBAGE -> write(s, NOT_TLS);
      }
      Thread.ofVirtual().name("peer-" + p.localPort).start(p::readUntilClosed);
      return p;
    }

    private static void write(Socket s, byte[] bytes) throws IOException {
      s.getOutputStream().write(bytes);
      s.getOutputStream().flush();
    }

    /** Discards what the server sends (an alert) until end of stream or a reset. */
    private void readUntilClosed() {
      byte[] buf = new byte[4096];
      try {
        socket.setSoTimeout((int) HANDSHAKE_DEADLINE.plus(SLACK).plus(SLACK).toMillis());
        InputStream in = socket.getInputStream();
        while (in.read(buf) >= 0) {
          // an alert, discarded
        }
        closedAt = System.nanoTime();
      } catch (SocketTimeoutException stillOpen) {
        return; // awaitClosed reports it
      } catch (SocketException reset) {
        closedAt = System.nanoTime();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        closed.countDown();
      }
    }

    boolean awaitClosed(Duration timeout) throws InterruptedException {
      return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && closedAt != 0;
    }

    Duration openFor() {
      return Duration.ofNanos(closedAt - openedAt);
    }

    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a socket the server already closed: nothing to do
      }
    }
  }

  /** What the node and the process hold when nobody misbehaves, to come back to. */
  private record Baseline(EmbeddedNode node, int connections, long fds) {
    /**
     * Taken after one handshake and one deadline on {@code port}, so that what the first ones
     * allocate for good (engine, timer thread, buffers) is already counted.
     */
    static Baseline after(EmbeddedNode node, int port) throws Exception {
      try (Socket warm =
          TestTls.trusting(node.node().tls().material().ca())
              .getSocketFactory()
              .createSocket("127.0.0.1", port)) {
        ((SSLSocket) warm).startHandshake();
      }
      Peer stalled = Peer.open(port, Kind.SILENT);
      try {
        assertThat(stalled.awaitClosed(HANDSHAKE_DEADLINE.plus(SLACK))).isTrue();
      } finally {
        stalled.close();
      }
      assertThat(EmbeddedNode.await(SLACK, () -> node.node().connections().openCount() == 0))
          .isTrue();
      return new Baseline(node, node.node().connections().openCount(), openFds());
    }

    /** Open connections and file descriptors come back to the baseline (awaited). */
    void awaitReturn() {
      boolean back =
          EmbeddedNode.await(
              HANDSHAKE_DEADLINE.plus(SLACK),
              () -> node.node().connections().openCount() == connections && openFds() <= fds);
      assertThat(back)
          .as(
              "connections %d (baseline %d), file descriptors %d (baseline %d)",
              node.node().connections().openCount(), connections, openFds(), fds)
          .isTrue();
    }

    /** The process's open file descriptors: sockets of both ends, files, pipes. */
    static long openFds() {
      try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
        return fds.count();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
