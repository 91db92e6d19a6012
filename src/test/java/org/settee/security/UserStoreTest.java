package org.settee.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserStoreTest {
  private static final int ITERATIONS = 64;
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;

  @Test
  void upsertGetDeleteInMemory() {
    UserStore store = UserStore.inMemory(ITERATIONS);
    assertThat(store.get("app")).isNull();

    User created = store.upsert("app", PASSWORD, Role.parseList("data_reader[travel]"));

    assertThat(store.get("app")).isSameAs(created);
    assertThat(store.users()).containsExactly(created);
    assertThat(created.credentials().scram(ScramHash.SHA256).iterations()).isEqualTo(ITERATIONS);
    assertThat(store.delete("app")).isTrue();
    assertThat(store.delete("app")).isFalse();
    assertThat(store.get("app")).isNull();
    assertThat(store.users()).isEmpty();
  }

  @Test
  void upsertReplacesPasswordWithFreshSalts() {
    UserStore store = UserStore.inMemory(ITERATIONS);
    User first = store.upsert("app", PASSWORD, List.of());
    User second = store.upsert("app", PASSWORD, Role.parseList("admin"));

    for (ScramHash hash : ScramHash.values()) {
      assertThat(second.credentials().scram(hash).saltBase64())
          .isNotEqualTo(first.credentials().scram(hash).saltBase64());
    }
    assertThat(store.users()).containsExactly(second);
    assertThat(store.authenticatePlain("app", PASSWORD)).isSameAs(second);
  }

  @Test
  void setRolesKeepsThePassword() {
    UserStore store = UserStore.inMemory(ITERATIONS);
    User before = store.upsert("app", PASSWORD, List.of());

    User after = store.setRoles("app", Role.parseList("bucket_admin[b]"));

    assertThat(after.credentials()).isSameAs(before.credentials());
    assertThat(store.get("app").canSelect("b")).isTrue();
    assertThat(store.setRoles("ghost", List.of())).isNull();
  }

  @Test
  void authenticatesPlainPasswords() {
    UserStore store = UserStore.inMemory(ITERATIONS);
    User user = store.upsert("app", PASSWORD, List.of());

    assertThat(store.authenticatePlain("app", PASSWORD)).isSameAs(user);
    assertThat(store.authenticatePlain("app", PASSWORD + " ")).isNull();
    assertThat(store.authenticatePlain("app", "")).isNull();
    assertThat(store.authenticatePlain("ghost", PASSWORD)).isNull();
    assertThat(store.authenticatePlain(null, PASSWORD)).isNull();
    assertThat(store.authenticatePlain("app", null)).isNull();
  }

  @Test
  void passwordsAreUtf8() {
    UserStore store = UserStore.inMemory(ITERATIONS);
    store.upsert("app", "pässwörd-密码", List.of());
    assertThat(store.authenticatePlain("app", "pässwörd-密码")).isNotNull();
    assertThat(store.authenticatePlain("app", "passwort-密码")).isNull();
  }

  @Test
  void refusesBadInput() {
    UserStore store = UserStore.inMemory(ITERATIONS);
    assertThatThrownBy(() -> store.upsert("app", "", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.upsert("app", null, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.upsert("a b", PASSWORD, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UserStore.inMemory(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(">= 2");
    assertThat(store.users()).isEmpty();
  }

  @Test
  void persistsAcrossReopening() {
    Path file = dir.resolve("users.json");
    UserStore store = UserStore.open(file, ITERATIONS);
    assertThat(Files.exists(file)).isFalse(); // nothing written until something changes
    store.upsert("app", PASSWORD, Role.parseList("bucket_full_access[travel], data_reader[b:s:c]"));
    store.upsert("admin", "admin-pw", Role.parseList("admin"));
    store.upsert("gone", "pw", List.of());
    store.delete("gone");
    store.setRoles("admin", Role.parseList("admin, data_dcp_reader[*]"));

    UserStore reopened = UserStore.open(file, 2 * ITERATIONS);

    assertThat(reopened.users()).extracting(User::name).containsExactlyInAnyOrder("app", "admin");
    User app = reopened.get("app");
    assertThat(app.roles()).isEqualTo(store.get("app").roles());
    assertThat(reopened.get("admin").roles()).hasToString("[admin, data_dcp_reader[*]]");
    assertThat(reopened.authenticatePlain("app", PASSWORD)).isNotNull();
    assertThat(reopened.authenticatePlain("admin", "admin-pw")).isNotNull();
    for (ScramHash hash : ScramHash.values()) {
      ScramCredential saved = store.get("app").credentials().scram(hash);
      ScramCredential loaded = app.credentials().scram(hash);
      assertThat(loaded.saltBase64()).isEqualTo(saved.saltBase64());
      assertThat(loaded.iterations()).isEqualTo(ITERATIONS); // kept until the password changes
      assertThat(loaded.storedKey()).isEqualTo(saved.storedKey());
      assertThat(loaded.serverKey()).isEqualTo(saved.serverKey());
    }
    // A SCRAM login works against the reloaded keys.
    SaslServer server = SaslServers.create(SaslMechanism.SCRAM_SHA512, reopened);
    ScramTestClient client = new ScramTestClient(SaslMechanism.SCRAM_SHA512, "app", PASSWORD, "n1");
    String serverFirst = server.evaluate(client.clientFirst()).challengeText();
    assertThat(server.evaluate(client.clientFinal(serverFirst)).outcome())
        .isEqualTo(SaslStep.Outcome.SUCCESS);
  }

  @Test
  void theFileHoldsNoPasswordAndNoLeftovers() throws IOException {
    Path file = dir.resolve("users.json");
    UserStore store = UserStore.open(file, ITERATIONS);
    store.upsert("app", PASSWORD, List.of());
    store.upsert("app", PASSWORD + "2", List.of());

    String json = Files.readString(file, UTF_8);

    assertThat(json).doesNotContain(PASSWORD).contains("\"storedKey\"").contains("scram-sha-512");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void corruptFileIsRefusedAndLeftAlone() throws IOException {
    Path file = dir.resolve("users.json");
    for (String content :
        List.of(
            "{not json",
            "",
            "[]",
            "{\"version\":1,\"users\":[]} trailing",
            "{\"version\":2,\"users\":[]}",
            "{\"version\":1,\"users\":[{\"name\":\"a\",\"roles\":[]}]}",
            "{\"version\":1,\"users\":[],\"users\":[]}")) {
      Files.writeString(file, content);

      assertThatThrownBy(() -> UserStore.open(file, ITERATIONS))
          .as(content)
          .isInstanceOf(UserStoreException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("corrupt");
      assertThat(Files.readString(file)).isEqualTo(content);
    }
  }

  @Test
  void corruptionIsLocated() throws IOException {
    Path file = dir.resolve("users.json");
    UserStore.open(file, ITERATIONS).upsert("app", PASSWORD, Role.parseList("admin"));
    String good = Files.readString(file);

    Files.writeString(file, good.replace("\"admin\"", "\"superuser[x]\""));
    assertThatThrownBy(() -> UserStore.open(file, ITERATIONS))
        .hasMessageContaining("users[0] (app)")
        .hasMessageContaining("superuser");

    Files.writeString(
        file, good.replaceFirst("\"storedKey\" : \"[^\"]*\"", "\"storedKey\" : \"AAAA\""));
    assertThatThrownBy(() -> UserStore.open(file, ITERATIONS))
        .hasMessageContaining("users[0] (app).scram.scram-sha-1")
        .hasMessageContaining("storedKey");

    Files.writeString(file, good.replaceFirst("\"iterations\" : \\d+", "\"iterations\" : 1"));
    assertThatThrownBy(() -> UserStore.open(file, ITERATIONS)).hasMessageContaining(">= 2");
  }

  @Test
  void aFailedWriteChangesNothing() throws IOException {
    Path sub = dir.resolve("sub");
    UserStore store = UserStore.open(sub.resolve("users.json"), ITERATIONS);
    Files.writeString(sub, "a file where the directory should be");

    assertThatThrownBy(() -> store.upsert("app", PASSWORD, List.of()))
        .isInstanceOf(UserStoreException.class)
        .hasMessageContaining("cannot write");
    assertThat(store.get("app")).isNull();
    assertThat(store.users()).isEmpty();
  }

  @Test
  void unreadableFileIsReported() throws IOException {
    Path directory = Files.createDirectory(dir.resolve("users.json"));
    assertThatThrownBy(() -> UserStore.open(directory, ITERATIONS))
        .isInstanceOf(UserStoreException.class)
        .hasMessageContaining("cannot read");
  }

  @Test
  void concurrentWritersAllLand() throws Exception {
    Path file = dir.resolve("users.json");
    UserStore store = UserStore.open(file, ITERATIONS);
    int writers = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<User>> futures = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        String name = "user" + i;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return store.upsert(name, PASSWORD, List.of());
                }));
      }
      start.countDown();
      for (Future<User> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.users()).hasSize(writers);
    assertThat(UserStore.open(file, ITERATIONS).users()).hasSize(writers);
  }
}
