package org.settee.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.settee.testing.KvTestClient.bytes;
import static org.settee.testing.KvTestClient.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.protocol.Feature;
import org.settee.protocol.Opcode;
import org.settee.protocol.RequestWriter;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;

/**
 * Who may do what on a KV connection: the commands allowed before authentication, SASL outcomes,
 * bucket selection (explicit and by user name), privileges per role, vBucket ownership and the
 * anonymous default-bucket mode.
 */
class KvAccessIT {
  private static final byte[] EMPTY = new byte[0];
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  @TempDir static Path anonymousDataDir;
  private static EmbeddedNode node;

  @BeforeAll
  static void startNode() {
    node = EmbeddedNode.start(dataDir);
    node.node().createBucket(new BucketSettings("cache", BucketType.COUCHBASE, 100, 64, true));
    node.addUser("reader", "reader-pw", "data_reader[default]");
    node.addUser("writer", "writer-pw", "data_writer[default]");
    node.addUser("default", "default-pw", "bucket_full_access[default]");
    node.addUser("cache", "cache-pw", "bucket_full_access[cache]");
    node.addUser("travel", "travel-pw", "data_reader[default]"); // no bucket named travel
    try (KvTestClient admin = node.admin()) {
      admin.set("shared-doc", "shared value");
    }
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private static void assertStatus(ResponseFrame r, Status expected) {
    assertThat(r.status()).as("%s: %s", r, text(r.value())).isEqualTo(expected);
  }

  // ---- before authentication ----

  @Test
  void dataCommandsBeforeAuthenticationAreRefused() {
    try (KvTestClient c = node.connect()) {
      assertStatus(c.get("shared-doc"), Status.EACCESS);
      assertStatus(c.set("pre-auth-doc", "v"), Status.EACCESS);
      assertStatus(c.request(Opcode.STAT, 0, EMPTY, EMPTY, EMPTY), Status.EACCESS);
      assertStatus(c.selectBucket("default"), Status.EACCESS);
      assertStatus(c.noop(), Status.EACCESS);

      c.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");
      assertStatus(c.get("pre-auth-doc"), Status.KEY_ENOENT);
    }
  }

  @Test
  void handshakeCommandsWorkBeforeAuthentication() throws IOException {
    try (KvTestClient c = node.connect()) {
      assertStatus(c.hello(), Status.SUCCESS);
      ResponseFrame mechs = c.request(Opcode.SASL_LIST_MECHS, 0, EMPTY, EMPTY, EMPTY);
      assertStatus(mechs, Status.SUCCESS);
      assertThat(text(mechs.value())).isEqualTo("SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN");

      ResponseFrame errorMap = c.request(Opcode.GET_ERROR_MAP, 0, EMPTY, EMPTY, new byte[] {0, 2});
      assertStatus(errorMap, Status.SUCCESS);
      JsonNode map = JSON.readTree(errorMap.value());
      assertThat(map.path("version").asInt()).isEqualTo(2);
      assertThat(map.path("errors").path("86").path("name").asText()).isEqualTo("ETMPFAIL");
      assertThat(map.path("errors").path("7").path("attrs").toString()).contains("fetch-config");
      assertStatus(
          c.request(Opcode.GET_ERROR_MAP, 0, EMPTY, EMPTY, new byte[] {0, 0}), Status.KEY_ENOENT);
    }
  }

  /** The SDK pipelines its whole handshake without waiting for replies. */
  @Test
  void aPipelinedHandshakeIsAnsweredInOrder() {
    try (KvTestClient c = node.connect()) {
      ByteBuf batch = Unpooled.buffer();
      RequestWriter.hello(batch, 1, "pipelined", Feature.XERROR, Feature.JSON);
      RequestWriter.write(batch, Opcode.GET_ERROR_MAP, 0, 2, 0, EMPTY, EMPTY, new byte[] {0, 2});
      RequestWriter.write(batch, Opcode.SASL_LIST_MECHS, 0, 3, 0, EMPTY, EMPTY, EMPTY);
      RequestWriter.saslAuthPlain(batch, 4, EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
      RequestWriter.selectBucket(batch, 5, "default");
      RequestWriter.get(batch, c.vbucketOf("shared-doc"), 6, bytes("shared-doc"));
      c.send(batch);
      for (int opaque = 1; opaque <= 6; opaque++) {
        ResponseFrame r = c.readResponse();
        assertThat(r.opaque()).isEqualTo(opaque);
        assertStatus(r, Status.SUCCESS);
      }
    }
  }

  @Test
  void aSelectBucketPipelinedBehindAFailedAuthIsRefused() {
    try (KvTestClient c = node.connect()) {
      ByteBuf batch = Unpooled.buffer();
      RequestWriter.saslAuthPlain(batch, 1, EmbeddedNode.ADMIN, "wrong");
      RequestWriter.selectBucket(batch, 2, "default");
      c.send(batch);
      assertStatus(c.readResponse(), Status.AUTH_ERROR);
      ResponseFrame select = c.readResponse();
      assertThat(select.opaque()).isEqualTo(2);
      assertStatus(select, Status.EACCESS);
    }
  }

  @Test
  void failedAuthenticationLeavesTheConnectionUsable() {
    try (KvTestClient c = node.connect()) {
      assertStatus(c.authPlain(EmbeddedNode.ADMIN, "wrong"), Status.AUTH_ERROR);
      assertStatus(c.authPlain("nobody", "whatever"), Status.AUTH_ERROR);
      assertStatus(
          c.request(Opcode.SASL_AUTH, 0, EMPTY, bytes("CRAM-MD5"), bytes("x")), Status.AUTH_ERROR);
      assertStatus(c.get("shared-doc"), Status.EACCESS);

      assertStatus(c.authPlain(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD), Status.SUCCESS);
      assertStatus(c.selectBucket("default"), Status.SUCCESS);
      assertThat(text(c.get("shared-doc").value())).isEqualTo("shared value");
    }
  }

  @Test
  void aFailedReauthenticationForgetsTheOldIdentity() {
    try (KvTestClient c = node.admin()) {
      assertStatus(c.authPlain(EmbeddedNode.ADMIN, "wrong"), Status.AUTH_ERROR);
      assertStatus(c.get("shared-doc"), Status.EACCESS);
    }
  }

  // ---- buckets ----

  @Test
  void noBucketSelectedIsNoBucket() {
    try (KvTestClient c = node.connectAs(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, null)) {
      assertStatus(c.get("shared-doc"), Status.NO_BUCKET);
      assertStatus(c.set("no-bucket-doc", "v"), Status.NO_BUCKET);
      assertStatus(c.noop(), Status.SUCCESS);
      List<ResponseFrame> nodeStats = c.stats("");
      assertStatus(nodeStats.get(nodeStats.size() - 1), Status.SUCCESS);
      assertThat(nodeStats)
          .extracting(r -> text(r.key()))
          .contains("version", "curr_connections")
          .doesNotContain("curr_items");
      assertStatus(c.stats("vbucket").get(0), Status.NO_BUCKET);

      assertStatus(c.selectBucket("default"), Status.SUCCESS);
      assertStatus(c.get("shared-doc"), Status.SUCCESS);
      assertStatus(c.selectBucket("@no bucket@"), Status.SUCCESS);
      assertStatus(c.get("shared-doc"), Status.NO_BUCKET);
    }
  }

  @Test
  void selectingABucketNeedsARoleOnItAndTheBucketToExist() {
    try (KvTestClient reader = node.connectAs("reader", "reader-pw", null)) {
      assertStatus(reader.selectBucket("cache"), Status.EACCESS);
      assertStatus(reader.selectBucket("missing"), Status.EACCESS);
      assertStatus(reader.selectBucket("default"), Status.SUCCESS);
    }
    try (KvTestClient admin =
        node.connectAs(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, null)) {
      assertStatus(admin.selectBucket("missing"), Status.KEY_ENOENT);
      assertStatus(admin.selectBucket("cache"), Status.SUCCESS);
    }
  }

  @Test
  void aUserNamedLikeABucketLandsInIt() {
    try (KvTestClient c = node.connectAs("default", "default-pw", null)) {
      assertThat(text(c.get("shared-doc").value())).isEqualTo("shared value");
    }
    try (KvTestClient c = node.connectAs("cache", "cache-pw", null)) {
      assertStatus(c.set("cache-doc", "in cache"), Status.SUCCESS);
      assertStatus(c.get("shared-doc"), Status.KEY_ENOENT);
    }
    try (KvTestClient admin = node.admin()) {
      assertStatus(admin.get("cache-doc"), Status.KEY_ENOENT);
      assertStatus(admin.selectBucket("cache"), Status.SUCCESS);
      assertThat(text(admin.get("cache-doc").value())).isEqualTo("in cache");
    }
    try (KvTestClient c = node.connectAs("travel", "travel-pw", null)) {
      assertStatus(c.get("shared-doc"), Status.NO_BUCKET);
    }
  }

  @Test
  void reauthenticatingDeselectsTheBucket() {
    try (KvTestClient c = node.admin()) {
      assertStatus(c.authPlain("reader", "reader-pw"), Status.SUCCESS);
      assertStatus(c.get("shared-doc"), Status.NO_BUCKET);
    }
  }

  @Test
  void deletingABucketClosesItsConnections() {
    node.node().createBucket(new BucketSettings("doomed", BucketType.COUCHBASE, 100, 64, true));
    try (KvTestClient inDoomed =
            node.connectAs(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "doomed");
        KvTestClient elsewhere = node.admin()) {
      assertStatus(inDoomed.set("doomed-doc", "v"), Status.SUCCESS);
      assertThat(node.node().deleteBucket("doomed")).isTrue();
      assertThat(inDoomed.awaitClosed(Duration.ofSeconds(5))).isTrue();
      assertStatus(elsewhere.get("shared-doc"), Status.SUCCESS);
      assertStatus(elsewhere.selectBucket("doomed"), Status.KEY_ENOENT);
    }
  }

  // ---- privileges ----

  @Test
  void aDataReaderReadsButDoesNotWrite() {
    try (KvTestClient reader = node.connectAs("reader", "reader-pw", "default")) {
      assertThat(text(reader.get("shared-doc").value())).isEqualTo("shared value");
      assertStatus(reader.set("shared-doc", "overwritten"), Status.EACCESS);
      assertStatus(reader.delete("shared-doc", 0), Status.EACCESS);
      assertStatus(reader.increment("reader-counter", 1, 0, 0), Status.EACCESS);
      assertStatus(reader.append("shared-doc", "x"), Status.EACCESS);
      assertStatus(reader.request(Opcode.FLUSH, 0, EMPTY, EMPTY, EMPTY), Status.EACCESS);
      // these change the document (expiry, lock) as well as read it
      assertStatus(reader.getAndTouch("shared-doc", 0), Status.EACCESS);
      assertStatus(reader.getLocked("shared-doc", 5), Status.EACCESS);
      assertStatus(reader.keyed(Opcode.GET_META, "shared-doc", EMPTY, EMPTY, 0), Status.SUCCESS);
      assertThat(text(reader.get("shared-doc").value())).isEqualTo("shared value");
    }
  }

  @Test
  void aDataWriterWritesButDoesNotRead() {
    try (KvTestClient writer = node.connectAs("writer", "writer-pw", "default")) {
      assertStatus(writer.set("writer-doc", "v"), Status.SUCCESS);
      assertStatus(writer.get("writer-doc"), Status.EACCESS);
    }
  }

  @Test
  void withoutClusterAdminConnectionStatsShowOnlyOneself() throws IOException {
    try (KvTestClient reader = node.connectAs("reader", "reader-pw", "default");
        KvTestClient admin = node.admin()) {
      List<ResponseFrame> own = reader.stats("connections");
      assertThat(own).hasSize(2);
      assertThat(JSON.readTree(own.get(0).value()).path("user").asText()).isEqualTo("reader");
      assertThat(admin.stats("connections").size()).isGreaterThanOrEqualTo(3);
    }
  }

  // ---- vBuckets ----

  @Test
  void aVBucketOutsideTheBucketIsNotMine() {
    try (KvTestClient c = node.admin()) {
      for (int vb : new int[] {64, 1023, 0xffff}) {
        assertStatus(
            c.request(Opcode.GET, vb, EMPTY, bytes("shared-doc"), EMPTY), Status.NOT_MY_VBUCKET);
        assertStatus(
            c.request(Opcode.SET, vb, KvTestClient.storeExtras(0, 0), bytes("x"), bytes("v")),
            Status.NOT_MY_VBUCKET);
      }
      assertStatus(c.get("shared-doc"), Status.SUCCESS);
    }
  }

  // ---- anonymous default bucket ----

  @Test
  void anonymousClientsUseOnlyTheDefaultBucket() {
    try (EmbeddedNode open =
            EmbeddedNode.start(anonymousDataDir, o -> o.unauthenticatedDefaultBucket(true));
        KvTestClient c = open.connect()) {
      open.node().createBucket(new BucketSettings("private", BucketType.COUCHBASE, 100, 64, true));
      assertStatus(c.get("anon-doc"), Status.KEY_ENOENT);
      assertStatus(c.set("anon-doc", "v"), Status.SUCCESS);
      assertThat(text(c.get("anon-doc").value())).isEqualTo("v");
      assertStatus(c.selectBucket("private"), Status.EACCESS);
      assertStatus(c.request(Opcode.FLUSH, 0, EMPTY, EMPTY, EMPTY), Status.EACCESS);
      assertThat(text(c.get("anon-doc").value())).isEqualTo("v");
      // no authentication to wait for: the 16 KiB pre-auth frame cap does not apply
      assertStatus(c.set("anon-big", "x".repeat(64 * 1024)), Status.SUCCESS);
      assertThat(c.get("anon-big").value()).hasSize(64 * 1024);
    }
  }
}
