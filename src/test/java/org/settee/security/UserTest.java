package org.settee.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserTest {
  private static final Credentials CREDENTIALS = Credentials.derive("pw", 2);

  private static User user(String... roles) {
    return new User("app", Role.parseList(String.join(",", roles)), CREDENTIALS);
  }

  @Test
  void canIsTheUnionOfItsRoles() {
    User user = user("data_reader[a]", "data_writer[b]");

    assertThat(user.can(Privilege.DATA_READ, "a")).isTrue();
    assertThat(user.can(Privilege.DATA_WRITE, "a")).isFalse();
    assertThat(user.can(Privilege.DATA_WRITE, "b")).isTrue();
    assertThat(user.can(Privilege.DATA_READ, "b")).isFalse();
    assertThat(user.canSelect("a")).isTrue();
    assertThat(user.canSelect("b")).isTrue();
    assertThat(user.canSelect("c")).isFalse();
    assertThat(user.can(Privilege.CLUSTER_ADMIN, null)).isFalse();
    assertThat(user.can(Privilege.SYSTEM_SETTINGS, null)).isTrue();
  }

  @Test
  void aUserWithoutRolesCanDoNothing() {
    User user = user();
    for (Privilege p : Privilege.values()) {
      assertThat(user.can(p, "b")).isFalse();
    }
  }

  @Test
  void adminCanSelectAnyBucketAndDoAnything() {
    User admin = user("admin");
    assertThat(admin.canSelect("whatever")).isTrue();
    assertThat(admin.can(Privilege.BUCKET_FLUSH, "whatever")).isTrue();
    assertThat(admin.can(Privilege.CLUSTER_ADMIN, null)).isTrue();
    assertThat(admin.canSelect(null)).isFalse();
  }

  @Test
  void collectionLevelChecks() {
    User user = user("data_reader[b:s:c]");
    assertThat(user.can(Privilege.DATA_READ, "b")).isFalse();
    assertThat(user.can(Privilege.DATA_READ, "b", "s", "c")).isTrue();
    assertThat(user.canSelect("b")).isTrue();
  }

  @Test
  void dropsDuplicateRolesAndKeepsNoMutableList() {
    User user = user("admin", "admin", "data_reader[a]");
    assertThat(user.roles()).containsExactly(Role.of(RoleType.ADMIN), Role.parse("data_reader[a]"));
    assertThatThrownBy(() -> user.roles().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void printsNoCredentials() {
    assertThat(user("admin").toString()).isEqualTo("User[app, roles=[admin]]");
    assertThat(CREDENTIALS.toString())
        .doesNotContain(CREDENTIALS.scram(ScramHash.SHA1).saltBase64());
  }

  @ParameterizedTest
  @ValueSource(strings = {"Administrator", "app-user_1.x", "jürgen", "a", "%+*!~'&#$^|`"})
  void acceptsNamesCouchbaseAccepts(String name) {
    assertThat(new User(name, List.of(), CREDENTIALS).name()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "a b", "a,b", "a=b", "@internal", "a:b", "a/b", "a\"b", "tab\there", "\ud800"})
  void refusesNamesCouchbaseRefuses(String name) {
    assertThatThrownBy(() -> new User(name, List.of(), CREDENTIALS))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesOverlongNames() {
    User.checkName("x".repeat(User.MAX_NAME_LENGTH));
    assertThatThrownBy(() -> User.checkName("x".repeat(User.MAX_NAME_LENGTH + 1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
