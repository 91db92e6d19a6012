package org.settee.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.protocol.Datatype;
import org.settee.protocol.Feature;
import org.settee.protocol.Opcode;
import org.settee.protocol.RequestWriter;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;

/** Configuration delivery over KV: GET_CLUSTER_CONFIG, NOT_MY_VBUCKET bodies and pushes. */
class ClusterConfigIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] NONE = new byte[0];

  @TempDir Path dir;
  private EmbeddedNode node;

  @BeforeEach
  void start() {
    node = EmbeddedNode.start(dir);
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private static JsonNode json(ResponseFrame r) throws IOException {
    return JSON.readTree(r.value());
  }

  private static ResponseFrame getClusterConfig(KvTestClient c, byte[] extras) {
    return c.request(Opcode.GET_CLUSTER_CONFIG, 0, extras, NONE, NONE);
  }

  private static byte[] version(long epoch, long rev) {
    return ByteBuffer.allocate(16).putLong(epoch).putLong(rev).array();
  }

  @Test
  void bucketConfigDescribesThisNodeAndEveryVBucket() throws IOException {
    try (KvTestClient c = node.connect()) {
      c.hello(Feature.JSON, Feature.XERROR);
      c.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");
      ResponseFrame r = getClusterConfig(c, NONE);
      assertThat(r.status()).isEqualTo(Status.SUCCESS);
      assertThat(r.datatype()).isEqualTo(Datatype.JSON);
      JsonNode config = json(r);
      assertThat(config.get("name").asText()).isEqualTo("default");
      assertThat(config.get("nodeLocator").asText()).isEqualTo("vbucket");
      assertThat(config.get("rev").asLong()).isPositive();
      JsonNode map = config.get("vBucketServerMap").get("vBucketMap");
      assertThat(map).hasSize(64);
      map.forEach(chain -> assertThat(chain.get(0).asInt()).isZero());
      assertThat(config.get("nodes")).hasSize(1);
      JsonNode services = config.get("nodesExt").get(0).get("services");
      assertThat(services.get("kv").asInt()).isEqualTo(node.kvPort());
      assertThat(services.has("mgmt")).isTrue();
      assertThat(config.get("nodesExt").get(0).get("thisNode").asBoolean()).isTrue();
      assertThat(config.get("bucketCapabilities")).isNotEmpty();
    }
  }

  @Test
  void withoutABucketTheGlobalConfigIsServed() throws IOException {
    try (KvTestClient c = node.connect()) {
      c.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, null);
      ResponseFrame r = getClusterConfig(c, NONE);
      assertThat(r.status()).isEqualTo(Status.SUCCESS);
      JsonNode config = json(r);
      assertThat(config.has("name")).isFalse();
      assertThat(config.has("vBucketServerMap")).isFalse();
      assertThat(config.get("nodesExt").get(0).get("services").get("kv").asInt())
          .isEqualTo(node.kvPort());
    }
  }

  @Test
  void aKnownVersionThatIsCurrentGetsAnEmptyAnswer() throws IOException {
    try (KvTestClient c = node.admin()) {
      JsonNode config = json(getClusterConfig(c, NONE));
      long epoch = config.get("revEpoch").asLong();
      long rev = config.get("rev").asLong();
      ResponseFrame same = getClusterConfig(c, version(epoch, rev));
      assertThat(same.status()).isEqualTo(Status.SUCCESS);
      assertThat(same.value()).isEmpty();
      ResponseFrame older = getClusterConfig(c, version(epoch, rev - 1));
      assertThat(json(older).get("rev").asLong()).isEqualTo(rev);
    }
  }

  @Test
  void revisionGrowsWithEveryChangeAndAcrossRestarts() throws IOException {
    long before;
    try (KvTestClient c = node.admin()) {
      before = json(getClusterConfig(c, NONE)).get("rev").asLong();
    }
    node.node().createBucket(new BucketSettings("other", BucketType.COUCHBASE, 100, 64, false));
    long afterCreate;
    try (KvTestClient c = node.admin()) {
      afterCreate = json(getClusterConfig(c, NONE)).get("rev").asLong();
    }
    assertThat(afterCreate).isGreaterThan(before);
    node.close();
    node = EmbeddedNode.start(dir);
    try (KvTestClient c = node.admin()) {
      assertThat(json(getClusterConfig(c, NONE)).get("rev").asLong()).isGreaterThan(afterCreate);
    }
  }

  @Test
  void notMyVBucketCarriesTheConfigUnlessTheClientAlreadyHasIt() throws IOException {
    try (KvTestClient c = node.connect()) {
      c.hello(Feature.JSON, Feature.XERROR, Feature.DEDUPE_NOT_MY_VBUCKET_CLUSTERMAP);
      c.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");
      ResponseFrame first = c.request(Opcode.GET, 100, NONE, KvTestClient.bytes("k"), NONE);
      assertThat(first.status()).isEqualTo(Status.NOT_MY_VBUCKET);
      assertThat(json(first).get("name").asText()).isEqualTo("default");
      ResponseFrame second = c.request(Opcode.GET, 100, NONE, KvTestClient.bytes("k"), NONE);
      assertThat(second.status()).isEqualTo(Status.NOT_MY_VBUCKET);
      assertThat(second.value()).isEmpty();
    }
    try (KvTestClient c = node.admin()) {
      ResponseFrame r = c.request(Opcode.GET, 100, NONE, KvTestClient.bytes("k"), NONE);
      ResponseFrame again = c.request(Opcode.GET, 100, NONE, KvTestClient.bytes("k"), NONE);
      assertThat(json(r).get("name").asText()).isEqualTo("default");
      assertThat(json(again).get("name").asText()).isEqualTo("default");
    }
  }

  @Test
  void duplexClientsAreToldOfAChange() throws IOException {
    try (Socket s = new Socket()) {
      s.setSoTimeout(5000);
      s.connect(new InetSocketAddress("127.0.0.1", node.kvPort()));
      DataInputStream in = new DataInputStream(s.getInputStream());
      ByteBuf out = Unpooled.buffer();
      RequestWriter.hello(
          out,
          1,
          "push-test",
          Feature.DUPLEX,
          Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF,
          Feature.XERROR);
      RequestWriter.saslAuthPlain(out, 2, EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
      RequestWriter.selectBucket(out, 3, "default");
      s.getOutputStream().write(ByteBufUtil.getBytes(out));
      out.release();
      for (int i = 0; i < 3; i++) {
        assertThat(readFrame(in)[0] & 0xff).isEqualTo(0x81);
      }
      long rev = node.node().clusterConfig().revision().rev();
      node.node().createBucket(new BucketSettings("pushed", BucketType.COUCHBASE, 100, 64, false));
      byte[] push = readFrame(in);
      ByteBuffer b = ByteBuffer.wrap(push);
      assertThat(b.get(0) & 0xff).isEqualTo(0x82);
      assertThat(b.get(1)).isEqualTo((byte) 0x01);
      int keyLength = b.getShort(2);
      assertThat(b.get(4)).isEqualTo((byte) 16);
      assertThat(b.getLong(24 + 8)).isGreaterThan(rev);
      assertThat(new String(push, 40, keyLength, StandardCharsets.UTF_8)).isEqualTo("default");
      assertThat(b.getInt(8)).isEqualTo(16 + keyLength);
    }
  }

  private static byte[] readFrame(DataInputStream in) throws IOException {
    byte[] header = new byte[24];
    in.readFully(header);
    int body = ByteBuffer.wrap(header).getInt(8);
    byte[] frame = new byte[24 + body];
    System.arraycopy(header, 0, frame, 0, 24);
    in.readFully(frame, 24, body);
    return frame;
  }
}
