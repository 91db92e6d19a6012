package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;

/** Users and roles over REST, as the SDK's UserManager uses them, and what KV makes of them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UsersRestIT {
  static final String USERS = "/settings/rbac/users/local/";

  @TempDir static Path dataDir;
  static EmbeddedNode node;
  static RestClient admin;
  static int port;

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

  static Status kvAuth(String user, String password) {
    try (KvTestClient kv = node.connect()) {
      return kv.authPlain(user, password).status();
    }
  }

  @Test
  void aUserCreatedOverRestWorksOnKvAndIsGoneAfterDelete() {
    HttpResponse<String> put =
        admin.put(
            USERS + "alice",
            RestClient.form(
                "password",
                "alice-pw",
                "roles",
                "bucket_full_access[default],data_reader[*]",
                "name",
                "Alice Liddell"));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

    JsonNode alice = RestClient.json(admin.get(USERS + "alice"));
    assertThat(alice.path("id").asText()).isEqualTo("alice");
    assertThat(alice.path("domain").asText()).isEqualTo("local");
    assertThat(alice.path("name").asText()).isEqualTo("Alice Liddell");
    assertThat(alice.path("groups").isArray()).isTrue();
    assertThat(alice.path("external_groups").isArray()).isTrue();
    Instant changed = Instant.parse(alice.path("password_change_date").asText());
    assertThat(changed).isBeforeOrEqualTo(Instant.now());
    JsonNode full = alice.path("roles").get(0);
    assertThat(full.path("role").asText()).isEqualTo("bucket_full_access");
    assertThat(full.path("bucket_name").asText()).isEqualTo("default");
    assertThat(full.has("scope_name")).isFalse();
    assertThat(full.path("origins").get(0).path("type").asText()).isEqualTo("user");
    JsonNode reader = alice.path("roles").get(1);
    assertThat(reader.path("role").asText()).isEqualTo("data_reader");
    assertThat(reader.path("bucket_name").asText()).isEqualTo("*");
    assertThat(reader.path("scope_name").asText()).isEqualTo("*");
    assertThat(reader.path("collection_name").asText()).isEqualTo("*");

    List<String> ids = new ArrayList<>();
    RestClient.json(admin.get("/settings/rbac/users")).forEach(u -> ids.add(u.path("id").asText()));
    assertThat(ids).contains("alice", EmbeddedNode.ADMIN);

    try (KvTestClient kv = node.connect()) {
      assertThat(kv.authPlain("alice", "alice-pw").isSuccess()).isTrue();
      assertThat(kv.selectBucket("default").isSuccess()).isTrue();
    }
    assertThat(RestClient.as(port, "alice", "alice-pw").get("/whoami").statusCode()).isEqualTo(200);

    assertThat(admin.delete(USERS + "alice").statusCode()).isEqualTo(200);
    HttpResponse<String> gone = admin.get(USERS + "alice");
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(kvAuth("alice", "alice-pw")).isEqualTo(Status.AUTH_ERROR);
    // The REST credential cache must not remember her either.
    assertThat(RestClient.as(port, "alice", "alice-pw").get("/whoami").statusCode()).isEqualTo(401);
    HttpResponse<String> again = admin.delete(USERS + "alice");
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(again.body()).contains("User was not found.");
  }

  @Test
  void aChangedPasswordLocksTheOldOneOutOfTheCredentialCache() {
    assertThat(
            admin
                .put(USERS + "bob", RestClient.form("password", "old-pass", "roles", "admin"))
                .statusCode())
        .isEqualTo(200);
    RestClient withOld = RestClient.as(port, "bob", "old-pass");
    // Twice: the first is checked with PBKDF2, the second comes from the cache.
    assertThat(withOld.get("/whoami").statusCode()).isEqualTo(200);
    assertThat(withOld.get("/whoami").statusCode()).isEqualTo(200);

    assertThat(
            admin
                .put(USERS + "bob", RestClient.form("password", "new-pass", "roles", "admin"))
                .statusCode())
        .isEqualTo(200);
    assertThat(withOld.get("/whoami").statusCode()).isEqualTo(401);
    assertThat(RestClient.as(port, "bob", "new-pass").get("/whoami").statusCode()).isEqualTo(200);
    assertThat(kvAuth("bob", "old-pass")).isEqualTo(Status.AUTH_ERROR);
    assertThat(kvAuth("bob", "new-pass")).isEqualTo(Status.SUCCESS);

    // Changing only the roles keeps the password, and the new roles apply at once.
    assertThat(
            admin.put(USERS + "bob", RestClient.form("roles", "data_reader[default]")).statusCode())
        .isEqualTo(200);
    RestClient bob = RestClient.as(port, "bob", "new-pass");
    assertThat(bob.get("/whoami").statusCode()).isEqualTo(200);
    assertThat(bob.get("/settings/rbac/users").statusCode()).isEqualTo(403);
    assertThat(kvAuth("bob", "new-pass")).isEqualTo(Status.SUCCESS);
  }

  @Test
  void badUserRequestsAreRefusedNamingTheProblem() {
    String[][] cases = {
      {"password", "carol", "roles", "admin"},
      {"password", "carol", "password", "short", "roles", "admin"},
      {"roles", "carol", "password", "carol-pw", "roles", "bogus_role"},
      {"roles", "carol", "password", "carol-pw", "roles", "admin,data_reader"},
      {"roles", "carol", "password", "carol-pw", "roles", "bucket_admin[bad/name]"},
      {"groups", "carol", "password", "carol-pw", "roles", "admin", "groups", "g1"},
      {"colour", "carol", "password", "carol-pw", "roles", "admin", "colour", "red"},
    };
    for (String[] c : cases) {
      String[] form = java.util.Arrays.copyOfRange(c, 2, c.length);
      HttpResponse<String> r = admin.put(USERS + c[1], RestClient.form(form));
      assertThat(r.statusCode()).as(String.join(" ", form)).isEqualTo(400);
      assertThat(RestClient.json(r).path("errors").has(c[0])).as(r.body()).isTrue();
    }
    HttpResponse<String> bogus =
        admin.put(USERS + "carol", RestClient.form("password", "carol-pw", "roles", "bogus_role"));
    assertThat(bogus.body()).contains("bogus_role");
    assertThat(node.node().users().get("carol")).isNull();

    assertThat(
            admin.put(USERS + "bad%20name", RestClient.form("password", "x-pass-1")).statusCode())
        .isEqualTo(400);
    assertThat(admin.get(USERS + "nobody").statusCode()).isEqualTo(404);
  }

  @Test
  void theLastAdministratorCanBeNeitherDeletedNorDemoted() {
    // Only the built-in administrator holds admin in this node (bob's test demotes bob).
    node.node().users().users().stream()
        .filter(u -> !u.name().equals(EmbeddedNode.ADMIN))
        .filter(u -> u.roles().stream().anyMatch(r -> r.type().roleName().equals("admin")))
        .forEach(u -> node.node().users().delete(u.name()));
    HttpResponse<String> delete = admin.delete(USERS + EmbeddedNode.ADMIN);
    assertThat(delete.statusCode()).isEqualTo(400);
    HttpResponse<String> demote =
        admin.put(USERS + EmbeddedNode.ADMIN, RestClient.form("roles", "data_reader[*]"));
    assertThat(demote.statusCode()).isEqualTo(400);
    assertThat(admin.get("/whoami").statusCode()).isEqualTo(200);
  }

  @Test
  void onlyAdministratorsManageUsers() {
    node.addUser("dave", "dave-pw", "bucket_admin[default]");
    RestClient dave = RestClient.as(port, "dave", "dave-pw");
    HttpResponse<String> put = dave.put(USERS + "eve", RestClient.form("password", "eve-pass"));
    assertThat(put.statusCode()).isEqualTo(403);
    assertThat(RestClient.json(put).path("permissions").get(0).asText())
        .isEqualTo("cluster.admin.security!write");
    assertThat(dave.delete(USERS + "dave").statusCode()).isEqualTo(403);
    assertThat(node.node().users().get("eve")).isNull();
  }

  @Test
  void rolesAreListedWithTheirBucketParameters() {
    JsonNode roles = RestClient.json(admin.get("/settings/rbac/roles"));
    List<String> names = new ArrayList<>();
    roles.forEach(r -> names.add(r.path("role").asText()));
    assertThat(names).contains("admin", "bucket_admin", "bucket_full_access", "data_reader");
    for (JsonNode r : roles) {
      assertThat(r.path("name").asText()).isNotBlank();
      assertThat(r.has("desc")).isTrue();
      if (r.path("role").asText().equals("bucket_full_access")) {
        assertThat(r.path("bucket_name").asText()).isEqualTo("*");
      }
      if (r.path("role").asText().equals("admin")) {
        assertThat(r.has("bucket_name")).isFalse();
      }
    }
  }
}
