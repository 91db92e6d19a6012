package org.settee.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.settee.testing.KvTestClient.bytes;
import static org.settee.testing.KvTestClient.storeExtras;
import static org.settee.testing.KvTestClient.text;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.Datatype;
import org.settee.protocol.Feature;
import org.settee.protocol.Opcode;
import org.settee.protocol.RequestWriter;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;

/**
 * What the server does with bytes it cannot trust: it closes that one connection (and only that
 * one) without buffering what a header announces, answers oversized values with E2BIG, and never
 * lets a stalled or silent client hold on to a connection without authenticating.
 */
class KvBadInputIT {
  private static final byte[] EMPTY = new byte[0];
  private static final int MAX_ITEM_SIZE = 1024;
  private static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);

  @TempDir static Path dataDir;
  @TempDir static Path deadlineDataDir;
  private static EmbeddedNode node;

  @BeforeAll
  static void startNode() {
    node = EmbeddedNode.start(dataDir, o -> o.maxItemSize(MAX_ITEM_SIZE));
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private static void assertStatus(ResponseFrame r, Status expected) {
    assertThat(r.status()).as("%s: %s", r, text(r.value())).isEqualTo(expected);
  }

  /** A header announcing {@code totalBody} bytes, with key and extras lengths as given. */
  private static byte[] header(int magic, int keyLength, int extrasLength, long totalBody) {
    ByteBuf b = Unpooled.buffer(24);
    b.writeByte(magic);
    b.writeByte(Opcode.SET.code());
    b.writeShort(keyLength);
    b.writeByte(extrasLength);
    b.writeByte(0);
    b.writeShort(0);
    b.writeInt((int) totalBody);
    b.writeInt(1);
    b.writeLong(0);
    byte[] bytes = ByteBufUtil.getBytes(b);
    b.release();
    return bytes;
  }

  /** Proves the node still serves: a fresh connection authenticates, writes and reads. */
  private static void assertNodeServes() {
    try (KvTestClient other = node.admin()) {
      assertStatus(other.set("still-serving", "yes"), Status.SUCCESS);
      assertThat(text(other.get("still-serving").value())).isEqualTo("yes");
    }
  }

  // ---- malformed frames close the connection ----

  @Test
  void aWrongMagicClosesThatConnectionOnly() {
    try (KvTestClient healthy = node.admin();
        KvTestClient bad = node.connect()) {
      bad.send(header(0x81, 0, 0, 0)); // a response magic from a client
      assertThat(bad.awaitClosed(CLOSE_WITHIN)).isTrue();
      assertStatus(healthy.set("magic-neighbour", "v"), Status.SUCCESS);
      assertStatus(healthy.get("magic-neighbour"), Status.SUCCESS);
    }
  }

  @Test
  void aWrongMagicAfterGoodFramesStillClosesButTheGoodOnesWereAnswered() {
    try (KvTestClient c = node.admin()) {
      ByteBuf batch = Unpooled.buffer();
      RequestWriter.write(batch, Opcode.NOOP, 0, 77, 0, EMPTY, EMPTY, EMPTY);
      batch.writeBytes(header(0x00, 0, 0, 0));
      c.send(batch);
      ResponseFrame noop = c.readResponse();
      assertThat(noop.opaque()).isEqualTo(77);
      assertThat(c.awaitClosed(CLOSE_WITHIN)).isTrue();
    }
  }

  @Test
  void lengthsThatDisagreeClose() {
    try (KvTestClient c = node.admin()) {
      byte[] frame = Arrays.copyOf(header(0x80, 10, 8, 12), 24 + 12);
      c.send(frame);
      assertThat(c.awaitClosed(CLOSE_WITHIN)).isTrue();
    }
    assertNodeServes();
  }

  @Test
  void aHugeAnnouncedBodyClosesAtOnceWithoutWaitingForIt() {
    try (KvTestClient c = node.admin()) {
      c.send(header(0x80, 0, 0, 100L * 1024 * 1024)); // 100 MiB that will never come
      assertThat(c.awaitClosed(CLOSE_WITHIN)).isTrue();
    }
    try (KvTestClient c = node.admin()) {
      c.send(header(0x80, 0, 0, 0xffffffffL));
      assertThat(c.awaitClosed(CLOSE_WITHIN)).isTrue();
    }
    assertNodeServes();
  }

  @Test
  void beforeAuthenticationFramesAreCappedAt16KiB() {
    try (KvTestClient atCap = node.connect()) {
      byte[] value = new byte[16 * 1024 - 3];
      ResponseFrame r = atCap.request(Opcode.GET, 0, EMPTY, bytes("key"), value);
      assertStatus(r, Status.EACCESS);
    }
    try (KvTestClient overCap = node.connect()) {
      overCap.send(header(0x80, 3, 0, 16 * 1024 + 1));
      assertThat(overCap.awaitClosed(CLOSE_WITHIN)).isTrue();
    }
    try (KvTestClient big = node.connect()) {
      ByteBuf frame = Unpooled.buffer();
      RequestWriter.set(frame, 0, 9, 0, 0, 0, bytes("key"), new byte[20 * 1024]);
      big.send(frame);
      assertThat(big.awaitClosed(CLOSE_WITHIN)).isTrue();
    }
  }

  /** SASL raises the frame cap for the frames already pipelined behind it (the SDK does this). */
  @Test
  void theCapRisesForFramesPipelinedBehindASuccessfulAuth() {
    try (KvTestClient c = node.connect()) {
      ByteBuf batch = Unpooled.buffer();
      RequestWriter.saslAuthPlain(batch, 1, EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
      RequestWriter.selectBucket(batch, 2, "default");
      RequestWriter.set(batch, c.vbucketOf("k"), 3, 0, 0, 0, bytes("k"), new byte[20 * 1024]);
      c.send(batch);
      assertStatus(c.readResponse(), Status.SUCCESS);
      assertStatus(c.readResponse(), Status.SUCCESS);
      ResponseFrame set = c.readResponse();
      assertThat(set.opaque()).isEqualTo(3);
      assertStatus(set, Status.E2BIG);
    }
  }

  @Test
  void afterAuthenticationFramesOverTheFrameLimitClose() {
    int limit = node.node().options().maxFrameBody();
    try (KvTestClient c = node.admin()) {
      c.send(header(0x80, 0, 0, limit + 1L));
      assertThat(c.awaitClosed(CLOSE_WITHIN)).isTrue();
    }
    try (KvTestClient c = node.admin()) {
      c.send(header(0x80, 0, 0, limit)); // at the limit: awaited, not refused
      assertThat(c.awaitClosed(Duration.ofMillis(300))).isFalse();
    }
  }

  @Test
  void afterAuthenticationLargeFramesAreReadAndJudgedByTheItemLimit() {
    try (KvTestClient c = node.admin()) {
      ResponseFrame tooBig = c.set("big-doc", new byte[20 * 1024], 0, 0, 0);
      assertStatus(tooBig, Status.E2BIG);
      assertStatus(c.get("big-doc"), Status.KEY_ENOENT);
      assertStatus(c.set("big-doc", new byte[MAX_ITEM_SIZE], 0, 0, 0), Status.SUCCESS);
    }
  }

  @Test
  void aValueOverTheItemLimitIsE2bigAndTheConnectionLives() {
    try (KvTestClient c = node.admin()) {
      assertStatus(c.set("e2big-doc", new byte[2 * 1024], 0, 0, 0), Status.E2BIG);
      assertStatus(c.set("e2big-doc", new byte[MAX_ITEM_SIZE + 1], 0, 0, 0), Status.E2BIG);
      assertStatus(c.get("e2big-doc"), Status.KEY_ENOENT);

      assertStatus(c.set("e2big-doc", new byte[MAX_ITEM_SIZE - 1], 0, 0, 0), Status.SUCCESS);
      assertStatus(c.append("e2big-doc", "x"), Status.SUCCESS);
      assertStatus(c.append("e2big-doc", "y"), Status.E2BIG);
      assertThat(c.get("e2big-doc").value()).hasSize(MAX_ITEM_SIZE);
    }
  }

  @Test
  void aSnappyValueThatInflatesOverTheItemLimitIsE2big() {
    try (KvTestClient c = node.admin()) {
      c.hello(Feature.SNAPPY);
      byte[] compressed = KvTestClient.snappy(new byte[4 * MAX_ITEM_SIZE]);
      assertThat(compressed.length).isLessThan(MAX_ITEM_SIZE);
      String key = "snappy-bomb";
      ResponseFrame r =
          c.request(
              Opcode.SET.code(),
              Datatype.SNAPPY,
              c.vbucketOf(key),
              storeExtras(0, 0),
              bytes(key),
              compressed,
              0);
      assertStatus(r, Status.E2BIG);
      assertStatus(c.noop(), Status.SUCCESS);
    }
  }

  @Test
  void garbageBytesClose() {
    byte[] garbage = new byte[256];
    new Random(42).nextBytes(garbage);
    garbage[0] = 'G'; // "GET / HTTP/1.1" is the classic wrong-port visitor
    try (KvTestClient c = node.connect()) {
      c.send(garbage);
      assertThat(c.awaitClosed(CLOSE_WITHIN)).isTrue();
    }
    try (KvTestClient c = node.connect()) {
      c.send(bytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
      assertThat(c.awaitClosed(CLOSE_WITHIN)).isTrue();
    }
    assertNodeServes();
  }

  // ---- stalled clients ----

  @Test
  void aHalfFrameStallsOnlyItsOwnConnection() {
    try (KvTestClient staller = node.admin()) {
      ByteBuf frame = Unpooled.buffer();
      RequestWriter.set(
          frame, staller.vbucketOf("stall-doc"), 99, 0, 0, 0, bytes("stall-doc"), bytes("v"));
      byte[] whole = ByteBufUtil.getBytes(frame);
      frame.release();
      staller.send(Arrays.copyOf(whole, 30));

      assertNodeServes();
      try (KvTestClient other = node.admin()) {
        assertStatus(other.get("stall-doc"), Status.KEY_ENOENT);
      }
      assertThat(staller.responseArrives(Duration.ofMillis(200))).isFalse();

      staller.send(Arrays.copyOfRange(whole, 30, whole.length));
      ResponseFrame r = staller.readResponse();
      assertThat(r.opaque()).isEqualTo(99);
      assertStatus(r, Status.SUCCESS);
    }
  }

  @Test
  void unauthenticatedClientsAreClosedAtTheAuthDeadline() {
    try (EmbeddedNode strict =
        EmbeddedNode.start(deadlineDataDir, o -> o.authDeadline(Duration.ofMillis(300)))) {
      try (KvTestClient authenticated = strict.admin();
          KvTestClient silent = strict.connect();
          KvTestClient halfFrame = strict.connect();
          KvTestClient helloOnly = strict.connect()) {
        halfFrame.send(Arrays.copyOf(header(0x80, 0, 0, 100), 40));
        assertStatus(helloOnly.hello(Feature.XERROR), Status.SUCCESS);

        assertThat(silent.awaitClosed(CLOSE_WITHIN)).isTrue();
        assertThat(halfFrame.awaitClosed(CLOSE_WITHIN)).isTrue();
        assertThat(helloOnly.awaitClosed(CLOSE_WITHIN)).isTrue();

        assertThat(authenticated.awaitClosed(Duration.ofMillis(500)))
            .as("an authenticated connection outlives the deadline")
            .isFalse();
        assertStatus(authenticated.set("deadline-doc", "v"), Status.SUCCESS);
      }

      List<KvTestClient> idle = new ArrayList<>();
      try {
        for (int i = 0; i < 100; i++) {
          idle.add(strict.connect());
        }
        for (KvTestClient c : idle) {
          assertThat(c.awaitClosed(CLOSE_WITHIN)).isTrue();
        }
      } finally {
        idle.forEach(KvTestClient::close);
      }
      assertThat(
              EmbeddedNode.await(CLOSE_WITHIN, () -> strict.node().connections().openCount() == 0))
          .as("every connection forgotten")
          .isTrue();
    }
  }

  /**
   * A client that pipelines far more than it reads: its responses back up, the server stops reading
   * from it (and only it), and everything is answered, in order, once it reads again.
   */
  @Test
  void aClientThatDoesNotReadItsResponsesStallsOnlyItself() throws Exception {
    int n = 20_000; // 20 MiB of responses: far beyond the socket buffers and the write watermark
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try (KvTestClient slow = node.admin();
        KvTestClient other = node.admin()) {
      assertStatus(slow.set("backlog-doc", new byte[MAX_ITEM_SIZE], 0, 0, 0), Status.SUCCESS);
      ByteBuf batch = Unpooled.buffer();
      for (int i = 0; i < n; i++) {
        RequestWriter.get(batch, slow.vbucketOf("backlog-doc"), i, bytes("backlog-doc"));
      }
      byte[] requests = ByteBufUtil.getBytes(batch);
      batch.release();
      // the write blocks once the server stops reading this client: it gets its own thread
      Future<?> sent = writer.submit(() -> slow.send(requests));

      for (int i = 0; i < 20; i++) {
        assertThat(other.get("backlog-doc").value()).hasSize(MAX_ITEM_SIZE);
      }
      for (int i = 0; i < n; i++) {
        ResponseFrame r = slow.readResponse();
        assertThat(r.opaque()).isEqualTo(i);
        assertThat(r.value()).hasSize(MAX_ITEM_SIZE);
      }
      sent.get(10, TimeUnit.SECONDS);
      assertStatus(slow.noop(), Status.SUCCESS);
    } finally {
      writer.shutdownNow();
    }
  }

  // ---- many bad clients ----

  @Test
  void twoHundredGarbageConnectionsAreAllClosedAndForgotten() {
    List<KvTestClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 200; i++) {
        clients.add(node.connect());
      }
      byte[] garbage = new byte[64];
      Random random = new Random(7);
      for (KvTestClient c : clients) {
        random.nextBytes(garbage);
        garbage[0] = (byte) 0xde;
        c.send(garbage);
      }
      for (KvTestClient c : clients) {
        assertThat(c.awaitClosed(CLOSE_WITHIN)).isTrue();
      }
    } finally {
      clients.forEach(KvTestClient::close);
    }
    assertAllConnectionsForgotten();
    assertNodeServes();
  }

  @Test
  void clientsThatHangUpMidFrameAreForgotten() {
    for (int i = 0; i < 20; i++) {
      try (KvTestClient c = node.admin()) {
        c.send(Arrays.copyOf(header(0x80, 0, 0, 100), 24 + 50));
      }
    }
    assertAllConnectionsForgotten();
  }

  /** No test here keeps a connection beyond its end: once all are closed the node holds none. */
  private static void assertAllConnectionsForgotten() {
    ConnectionRegistry connections = node.node().connections();
    assertThat(EmbeddedNode.await(CLOSE_WITHIN, () -> connections.openCount() == 0))
        .as("open connections: %d", connections.openCount())
        .isTrue();
  }
}
