package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.EventLoopGroup;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.net.Transport;
import org.settee.testing.EmbeddedNode;

/**
 * Configurations over HTTP: the terse bucket configuration (the SDK's fallback), and the streams
 * that send a new document on every configuration change until the client leaves.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConfigStreamIT {
  @TempDir static Path dataDir;
  static EmbeddedNode node;
  static RestClient admin;
  static int port;
  static String auth = RestClient.basic(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);

  @BeforeAll
  static void start() {
    node = EmbeddedNode.start(dataDir);
    port = node.node().mgmtPort();
    admin = RestClient.as(port, EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static long rev() {
    return node.node().clusterConfig().revision().rev();
  }

  /** A chunk is a document followed by four newlines. */
  static JsonNode document(String chunk) {
    assertThat(chunk).endsWith("\n\n\n\n");
    return RestClient.json(chunk.substring(0, chunk.length() - 4));
  }

  @Test
  void theTerseConfigurationIsTheOneKvServesWithTheAddressFilledIn() {
    HttpResponse<String> r = admin.get("/pools/default/b/default");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode n = RestClient.json(r);
    assertThat(n.path("name").asText()).isEqualTo("default");
    assertThat(n.path("nodeLocator").asText()).isEqualTo("vbucket");
    assertThat(n.path("rev").asLong()).isEqualTo(rev());
    assertThat(n.path("nodes").size()).isEqualTo(1);
    assertThat(n.path("nodesExt").get(0).has("hostname")).isFalse();
    assertThat(n.path("nodesExt").get(0).path("services").path("mgmt").asInt()).isEqualTo(port);
    assertThat(r.body()).doesNotContain("$HOST");
    String kvBytes =
        new String(
            node.node().configJson().terseBucket(node.node().buckets().get("default")),
            java.nio.charset.StandardCharsets.UTF_8);
    assertThat(r.body()).isEqualTo(kvBytes.replace("$HOST", "127.0.0.1"));

    assertThat(admin.get("/pools/default/b/missing").statusCode()).isEqualTo(404);
    assertThat(admin.get("/pools/default/bs/missing").statusCode()).isEqualTo(404);
  }

  @Test
  void theStreamSendsANewConfigurationWhenABucketIsCreatedAndEndsWhenItsBucketGoes() {
    node.node().createBucket(new BucketSettings("streamed", BucketType.COUCHBASE, 100, 64, false));
    try (RawHttp http = RawHttp.connect(port)) {
      http.send(RawHttp.get("/pools/default/bs/streamed", auth));
      RawHttp.Head head = http.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.chunked()).isTrue();
      JsonNode first = document(http.readChunk());
      assertThat(first.path("name").asText()).isEqualTo("streamed");
      long firstRev = first.path("rev").asLong();

      node.node().createBucket(new BucketSettings("another", BucketType.COUCHBASE, 100, 64, false));
      JsonNode second = document(http.readChunk());
      assertThat(second.path("name").asText()).isEqualTo("streamed");
      assertThat(second.path("rev").asLong()).isGreaterThan(firstRev).isEqualTo(rev());

      node.node().deleteBucket("streamed");
      assertThat(http.readChunk()).isNull(); // the chunked body ends...
      assertThat(http.closedByServer()).isTrue(); // ...and so does the connection
    } finally {
      node.node().deleteBucket("another");
    }
  }

  @Test
  void bucketsStreamingSendsFullBucketObjects() {
    try (RawHttp http = RawHttp.connect(port)) {
      http.send(RawHttp.get("/pools/default/bucketsStreaming/default", auth));
      assertThat(http.readHead().status()).isEqualTo(200);
      JsonNode b = document(http.readChunk());
      assertThat(b.path("name").asText()).isEqualTo("default");
      assertThat(b.path("nodes").get(0).path("status").asText()).isEqualTo("healthy");
      assertThat(b.has("quota")).isTrue();
    }
    try (RawHttp http = RawHttp.connect(port)) {
      http.send(RawHttp.get("/pools/default/nodeServicesStreaming", auth));
      assertThat(http.readHead().status()).isEqualTo(200);
      JsonNode global = document(http.readChunk());
      assertThat(global.path("nodesExt").get(0).path("services").path("mgmt").asInt())
          .isEqualTo(port);
    }
  }

  @Test
  void aStreamLeavesTheSubscribersWhenItsClientDisconnects() throws Exception {
    // A server of our own on the same node, so its stream count is ours alone.
    EventLoopGroup group = Transport.best().newGroup(1, "test-rest");
    ManagementServer server = new ManagementServer(node.node(), "127.0.0.1", 0);
    try {
      int own = server.start(Transport.best(), group, group);
      RawHttp http = RawHttp.connect(own);
      http.send(RawHttp.get("/pools/default/bs/default", auth));
      assertThat(http.readHead().status()).isEqualTo(200);
      assertThat(http.readChunk()).contains("\"name\":\"default\"");
      assertThat(server.openStreams()).isEqualTo(1);
      http.close();
      assertThat(EmbeddedNode.await(Duration.ofSeconds(10), () -> server.openStreams() == 0))
          .isTrue();

      // A server that stops closes its streams.
      RawHttp again = RawHttp.connect(own);
      again.send(RawHttp.get("/pools/default/bs/default", auth));
      assertThat(again.readHead().status()).isEqualTo(200);
      assertThat(again.readChunk()).isNotNull();
      server.stop();
      assertThat(server.openStreams()).isZero();
      assertThat(again.closedByServer()).isTrue();
      again.close();
    } finally {
      server.stop();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
