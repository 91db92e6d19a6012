package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.settee.security.Role;
import org.settee.security.User;
import org.settee.security.UserStore;

class CredentialCacheTest {
  final UserStore users = UserStore.inMemory(4096);
  final CredentialCache cache = new CredentialCache();

  @Test
  void aRememberedPasswordMatchesOnlyItself() {
    User u = users.upsert("u", "secret-1", List.of(Role.parse("admin")));
    assertThat(cache.matches(u, "secret-1")).isFalse();
    cache.remember(u, "secret-1");
    assertThat(cache.matches(u, "secret-1")).isTrue();
    assertThat(cache.matches(u, "secret-2")).isFalse();
    assertThat(cache.matches(u, "")).isFalse();
  }

  @Test
  void aNewPasswordOrARecreatedUserInvalidatesTheEntry() {
    User before = users.upsert("u", "secret-1", List.of(Role.parse("admin")));
    cache.remember(before, "secret-1");
    User after = users.upsert("u", "secret-2", List.of(Role.parse("admin")));
    assertThat(cache.matches(after, "secret-1")).isFalse();
    // Even the same password set again is new credentials: verified afresh.
    User same = users.upsert("u", "secret-1", List.of(Role.parse("admin")));
    assertThat(cache.matches(same, "secret-1")).isFalse();
  }

  @Test
  void aRoleChangeKeepsTheEntry() {
    User before = users.upsert("u", "secret-1", List.of(Role.parse("admin")));
    cache.remember(before, "secret-1");
    User after = users.setRoles("u", List.of(Role.parse("data_reader[*]")));
    assertThat(cache.matches(after, "secret-1")).isTrue();
  }

  @Test
  void theUserNameIsPartOfTheEntry() {
    User a = users.upsert("a", "secret-1", List.of());
    User b = users.upsert("b", "secret-1", List.of());
    cache.remember(a, "secret-1");
    assertThat(cache.matches(b, "secret-1")).isFalse();
  }
}
