package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.testing.EmbeddedNode;

/**
 * The cluster-level endpoints ({@code /pools}, {@code /pools/default}, nodeServices, {@code
 * /nodes/self}, tasks) and the API's general behaviour: authentication, permissions, unknown paths
 * and methods, trailing slashes, HEAD, keep-alive and pipelining.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ManagementApiIT {
  @TempDir static Path dataDir;
  static EmbeddedNode node;
  static RestClient admin;
  static int port;

  @BeforeAll
  static void start() {
    node = EmbeddedNode.start(dataDir);
    port = node.node().mgmtPort();
    admin = RestClient.as(port, EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
    node.addUser("reader", "reader-pw", "data_reader[default]");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void theNodeAdvertisesTheManagementPortItServes() {
    assertThat(port).isPositive();
    assertThat(node.node().services().mgmt()).isEqualTo(port);
  }

  @Test
  void poolsNamesTheVersionAndTheDefaultPool() {
    HttpResponse<String> r = admin.get("/pools");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode n = RestClient.json(r);
    String uuid = node.node().clusterConfig().clusterUuid();
    assertThat(n.path("implementationVersion").asText()).isEqualTo("7.6.0-0000-community");
    assertThat(n.path("isAdminCreds").asBoolean()).isTrue();
    assertThat(n.path("isEnterprise").asBoolean(true)).isFalse();
    assertThat(n.path("uuid").asText()).isEqualTo(uuid);
    assertThat(n.path("pools").get(0).path("name").asText()).isEqualTo("default");
    assertThat(n.path("pools").get(0).path("uri").asText())
        .isEqualTo("/pools/default?uuid=" + uuid);
    assertThat(n.path("pools").get(0).path("streamingUri").asText()).contains(uuid);

    JsonNode asReader = RestClient.json(RestClient.as(port, "reader", "reader-pw").get("/pools"));
    assertThat(asReader.path("isAdminCreds").asBoolean(true)).isFalse();
  }

  @Test
  void poolsDefaultListsThisNodeHealthyWithOrWithoutTheTrailingSlash() {
    for (String path : new String[] {"/pools/default", "/pools/default/", "//pools//default/"}) {
      HttpResponse<String> r = admin.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      JsonNode n = RestClient.json(r);
      JsonNode self = n.path("nodes").get(0);
      assertThat(self.path("hostname").asText()).isEqualTo("127.0.0.1:" + port);
      assertThat(self.path("otpNode").asText()).isEqualTo("ns_1@127.0.0.1");
      assertThat(self.path("thisNode").asBoolean()).isTrue();
      assertThat(self.path("clusterMembership").asText()).isEqualTo("active");
      assertThat(self.path("recoveryType").asText()).isEqualTo("none");
      assertThat(self.path("status").asText()).isEqualTo("healthy");
      assertThat(self.path("services").toString()).isEqualTo("[\"kv\"]");
      assertThat(self.path("version").asText()).isEqualTo("7.6.0-0000-community");
      assertThat(self.path("ports").path("direct").asInt()).isEqualTo(node.kvPort());
      assertThat(self.path("nodeUUID").asText()).isEqualTo(node.node().clusterConfig().nodeUuid());
      assertThat(n.path("buckets").path("uri").asText()).startsWith("/pools/default/buckets");
      assertThat(n.path("buckets").path("terseBucketsBase").asText())
          .isEqualTo("/pools/default/b/");
      assertThat(n.path("buckets").path("terseStreamingBucketsBase").asText())
          .isEqualTo("/pools/default/bs/");
      assertThat(n.path("rebalanceStatus").asText()).isEqualTo("none");
      assertThat(n.path("balanced").asBoolean()).isTrue();
      assertThat(n.path("memoryQuota").asLong()).isPositive();
      assertThat(n.has("clusterName")).isTrue();
      assertThat(n.path("tasks").path("uri").asText()).startsWith("/pools/default/tasks");
    }
  }

  @Test
  void nodeServicesIsTheGlobalConfigurationWithRealAddresses() {
    JsonNode n = RestClient.json(admin.get("/pools/default/nodeServices"));
    assertThat(n.path("rev").asLong()).isEqualTo(node.node().clusterConfig().revision().rev());
    JsonNode self = n.path("nodesExt").get(0);
    assertThat(self.path("thisNode").asBoolean()).isTrue();
    // No hostname: clients use the address they connected to (the DCP client needs that).
    assertThat(self.has("hostname")).isFalse();
    assertThat(self.path("services").path("kv").asInt()).isEqualTo(node.kvPort());
    assertThat(self.path("services").path("mgmt").asInt()).isEqualTo(port);
    assertThat(n.toString()).doesNotContain("$HOST");
  }

  @Test
  void nodesSelfTasksAndRebalanceProgress() {
    JsonNode self = RestClient.json(admin.get("/nodes/self"));
    assertThat(self.path("hostname").asText()).isEqualTo("127.0.0.1:" + port);
    assertThat(self.path("status").asText()).isEqualTo("healthy");
    assertThat(self.path("memoryQuota").asLong()).isPositive();
    assertThat(self.path("storage").path("hdd").get(0).path("path").asText())
        .isEqualTo(dataDir.toAbsolutePath().toString());

    JsonNode tasks = RestClient.json(admin.get("/pools/default/tasks"));
    assertThat(tasks.get(0).path("type").asText()).isEqualTo("rebalance");
    assertThat(tasks.get(0).path("status").asText()).isEqualTo("notRunning");

    assertThat(
            RestClient.json(admin.get("/pools/default/rebalanceProgress")).path("status").asText())
        .isEqualTo("none");
    JsonNode statuses = RestClient.json(admin.get("/nodeStatuses"));
    assertThat(statuses.path("127.0.0.1:" + port).path("status").asText()).isEqualTo("healthy");
  }

  @Test
  void withoutValidCredentialsTheAnswerIs401WithTheCouchbaseRealm() {
    RestClient[] strangers = {
      RestClient.anonymous(port),
      RestClient.as(port, EmbeddedNode.ADMIN, "wrong-password"),
      RestClient.as(port, "nobody", "password"),
      RestClient.withAuthorization(port, "Basic !!!not-base64"),
      RestClient.withAuthorization(port, "Bearer abc"),
    };
    for (RestClient c : strangers) {
      HttpResponse<String> r = c.get("/pools/default");
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate"))
          .hasValue("Basic realm=\"Couchbase Server Admin / REST\"");
    }
  }

  @Test
  void aMissingPrivilegeIs403NamingThePermission() {
    RestClient reader = RestClient.as(port, "reader", "reader-pw");
    HttpResponse<String> users = reader.get("/settings/rbac/users");
    assertThat(users.statusCode()).isEqualTo(403);
    JsonNode body = RestClient.json(users);
    assertThat(body.path("message").asText())
        .isEqualTo("Forbidden. User needs the following permissions");
    assertThat(body.path("permissions").toString()).isEqualTo("[\"cluster.admin.security!read\"]");

    HttpResponse<String> other = reader.get("/pools/default/buckets/other");
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(RestClient.json(other).path("permissions").get(0).asText())
        .isEqualTo("cluster.bucket[other].settings!read");

    HttpResponse<String> create =
        reader.post("/pools/default/buckets", RestClient.form("name", "x", "ramQuota", "100"));
    assertThat(create.statusCode()).isEqualTo(403);
    assertThat(RestClient.json(create).path("permissions").get(0).asText())
        .isEqualTo("cluster.buckets!create");
    assertThat(node.node().buckets().get("x")).isNull();
  }

  @Test
  void unknownPathsAre404AndWrongMethods405() {
    HttpResponse<String> unknown = admin.get("/no/such/thing");
    assertThat(unknown.statusCode()).isEqualTo(404);
    // Unknown paths need no credentials to be unknown.
    assertThat(RestClient.anonymous(port).get("/no/such/thing").statusCode()).isEqualTo(404);

    HttpResponse<String> delete = admin.delete("/pools");
    assertThat(delete.statusCode()).isEqualTo(405);
    assertThat(delete.headers().firstValue("Allow")).hasValue("GET");
    HttpResponse<String> put = admin.put("/pools/default/buckets", "");
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(put.headers().firstValue("Allow")).hasValue("GET, POST");
  }

  @Test
  void headAnswersLikeGetWithoutABody() {
    HttpResponse<String> r = admin.send("HEAD", "/pools", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    assertThat(r.headers().firstValueAsLong("Content-Length").orElse(0)).isPositive();
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderOnOneConnection() {
    String auth = RestClient.basic(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
    try (RawHttp http = RawHttp.connect(port)) {
      // The first needs PBKDF2 off the event loop; the others must still come after it.
      http.send(
          RawHttp.get("/pools/default/tasks", auth)
              + RawHttp.get("/no/such/path", auth)
              + RawHttp.get("/pools", auth));
      RawHttp.Response first = http.readResponse();
      RawHttp.Response second = http.readResponse();
      RawHttp.Response third = http.readResponse();
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.body()).contains("rebalance");
      assertThat(second.status()).isEqualTo(404);
      assertThat(third.status()).isEqualTo(200);
      assertThat(third.body()).contains("implementationVersion");
    }
  }

  @Test
  void malformedRequestsGet400() {
    try (RawHttp http = RawHttp.connect(port)) {
      http.send("THIS IS NOT HTTP\r\n\r\n");
      assertThat(http.readResponse().status()).isEqualTo(400);
    }
    try (RawHttp http = RawHttp.connect(port)) {
      String auth = RestClient.basic(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
      http.send(RawHttp.get("/pools/default/buckets/%zz", auth));
      assertThat(http.readResponse().status()).isEqualTo(400);
    }
  }

  @Test
  void connectionCloseIsHonoured() {
    String auth = RestClient.basic(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
    try (RawHttp http = RawHttp.connect(port)) {
      http.send(
          "GET /pools HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: "
              + auth
              + "\r\n\r\n");
      RawHttp.Response r = http.readResponse();
      assertThat(r.status()).isEqualTo(200);
      assertThat(http.closedByServer()).isTrue();
    }
  }

  @Test
  void whoamiShowsTheCallersRoles() {
    JsonNode me = RestClient.json(RestClient.as(port, "reader", "reader-pw").get("/whoami"));
    assertThat(me.path("id").asText()).isEqualTo("reader");
    assertThat(me.path("domain").asText()).isEqualTo("local");
    assertThat(me.path("roles").get(0).path("role").asText()).isEqualTo("data_reader");
    assertThat(me.path("roles").get(0).path("bucket_name").asText()).isEqualTo("default");
    assertThat(RestClient.anonymous(port).get("/whoami").statusCode()).isEqualTo(401);
  }
}
