package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;

/** What REST creates survives a restart of the node on the same data directory. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RestartIT {
  @TempDir Path dataDir;

  @Test
  void bucketsUsersAndDisplayNamesSurviveARestart() {
    try (EmbeddedNode node = EmbeddedNode.start(dataDir)) {
      RestClient admin =
          RestClient.as(node.node().mgmtPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
      assertThat(
              admin
                  .post(
                      "/pools/default/buckets",
                      RestClient.form(
                          "name",
                          "kept",
                          "ramQuota",
                          "100",
                          "numVBuckets",
                          "64",
                          "flushEnabled",
                          "1"))
                  .statusCode())
          .isEqualTo(202);
      assertThat(
              admin
                  .put(
                      "/settings/rbac/users/local/keeper",
                      RestClient.form(
                          "password",
                          "keeper-pw",
                          "roles",
                          "bucket_full_access[kept]",
                          "name",
                          "Keeper of Keys"))
                  .statusCode())
          .isEqualTo(200);
      try (KvTestClient kv = KvTestClient.connect(node.kvPort(), 64)) {
        kv.login("keeper", "keeper-pw", "kept");
        assertThat(kv.set("doc", "persisted").isSuccess()).isTrue();
      }
    }

    try (EmbeddedNode node = EmbeddedNode.start(dataDir)) {
      int port = node.node().mgmtPort();
      RestClient keeper = RestClient.as(port, "keeper", "keeper-pw");
      JsonNode bucket = RestClient.json(keeper.get("/pools/default/buckets/kept"));
      assertThat(bucket.path("name").asText()).isEqualTo("kept");
      assertThat(bucket.path("numVBuckets").asInt()).isEqualTo(64);
      assertThat(bucket.path("controllers").has("flush")).isTrue();
      RestClient admin = RestClient.as(port, EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
      JsonNode user = RestClient.json(admin.get("/settings/rbac/users/local/keeper"));
      assertThat(user.path("name").asText()).isEqualTo("Keeper of Keys");
      assertThat(user.has("password_change_date")).isTrue();
      try (KvTestClient kv = KvTestClient.connect(node.kvPort(), 64)) {
        kv.login("keeper", "keeper-pw", "kept");
        assertThat(KvTestClient.text(kv.get("doc").value())).isEqualTo("persisted");
      }
    }
  }
}
