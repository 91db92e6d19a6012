package org.settee.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.settee.security.Privilege.BUCKET_FLUSH;
import static org.settee.security.Privilege.BUCKET_MANAGE;
import static org.settee.security.Privilege.CLUSTER_ADMIN;
import static org.settee.security.Privilege.DATA_READ;
import static org.settee.security.Privilege.DATA_WRITE;
import static org.settee.security.Privilege.DCP_READ;
import static org.settee.security.Privilege.DCP_WRITE;
import static org.settee.security.Privilege.SELECT;
import static org.settee.security.Privilege.SYSTEM_SETTINGS;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RoleTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "admin",
        "bucket_admin[travel]",
        "bucket_full_access[*]",
        "bucket_full_access[travel-sample]",
        "data_reader[travel]",
        "data_reader[travel:inventory]",
        "data_writer[travel:inventory:airline]",
        "data_dcp_reader[*]",
        "data_dcp_reader[b.1%_x]"
      })
  void parsesCouchbaseNotationAndPrintsItBack(String text) {
    assertThat(Role.parse(text).toString()).isEqualTo(text);
  }

  @Test
  void readsTheParts() {
    Role role = Role.parse(" data_writer[travel:inventory:airline] ");

    assertThat(role.type()).isEqualTo(RoleType.DATA_WRITER);
    assertThat(role.bucket()).isEqualTo("travel");
    assertThat(role.scope()).isEqualTo("inventory");
    assertThat(role.collection()).isEqualTo("airline");
  }

  @Test
  void wildcardScopesAndCollectionsMeanTheWholeBucket() {
    assertThat(Role.parse("data_reader[travel:*:*]")).isEqualTo(Role.parse("data_reader[travel]"));
    assertThat(Role.parse("data_reader[travel:inventory:*]"))
        .isEqualTo(Role.parse("data_reader[travel:inventory]"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "root",
        "Admin",
        "admin[travel]",
        "admin[]",
        "data_reader",
        "data_reader[]",
        "data_reader[a b]",
        "data_reader[travel",
        "data_reader[travel]x",
        "data_reader[[travel]]",
        "data_reader[travel:]",
        "data_reader[travel:s:c:d]",
        "data_reader[*:inventory]",
        "data_reader[travel:*:airline]",
        "bucket_admin[travel:inventory]",
        "bucket_full_access[travel:inventory:airline]"
      })
  void refusesBadRolesNamingThem(String text) {
    assertThatThrownBy(() -> Role.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }

  @Test
  void explainsWhatIsWrong() {
    assertThatThrownBy(() -> Role.parse("data_reader"))
        .hasMessage(
            "invalid role 'data_reader': data_reader needs a bucket, e.g. "
                + "data_reader[bucket] or data_reader[*]");
    assertThatThrownBy(() -> Role.parse("superuser[x]"))
        .hasMessage("invalid role 'superuser[x]': unknown role 'superuser'");
  }

  @Test
  void parsesTheRestApisCommaList() {
    assertThat(Role.parseList("admin, data_reader[travel:inventory]"))
        .containsExactly(Role.of(RoleType.ADMIN), Role.parse("data_reader[travel:inventory]"));
    assertThat(Role.parseList("")).isEmpty();
    assertThatThrownBy(() -> Role.parseList("admin,,data_reader[b]"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static Stream<Arguments> privilegeTable() {
    return Stream.of(
        Arguments.of("admin", EnumSet.allOf(Privilege.class)),
        Arguments.of(
            "bucket_admin[b]", EnumSet.of(BUCKET_MANAGE, BUCKET_FLUSH, SELECT, SYSTEM_SETTINGS)),
        Arguments.of(
            "bucket_full_access[b]",
            EnumSet.of(
                DATA_READ, DATA_WRITE, DCP_READ, DCP_WRITE, BUCKET_FLUSH, SELECT, SYSTEM_SETTINGS)),
        Arguments.of("data_reader[b]", EnumSet.of(DATA_READ, SELECT, SYSTEM_SETTINGS)),
        Arguments.of("data_writer[b]", EnumSet.of(DATA_WRITE, SELECT, SYSTEM_SETTINGS)),
        Arguments.of(
            "data_dcp_reader[b]", EnumSet.of(DATA_READ, DCP_READ, SELECT, SYSTEM_SETTINGS)));
  }

  @ParameterizedTest
  @MethodSource("privilegeTable")
  void grantsWhatCouchbaseGrantsOnItsBucketOnly(String text, Set<Privilege> expected) {
    Role role = Role.parse(text);
    for (Privilege p : Privilege.values()) {
      assertThat(role.grants(p, "b", null, null))
          .as(text + " " + p)
          .isEqualTo(expected.contains(p));
      boolean elsewhere = expected.contains(p) && (p.clusterWide() || role.bucket() == null);
      assertThat(role.grants(p, "other", null, null)).as(text + " " + p).isEqualTo(elsewhere);
    }
  }

  @Test
  void bucketAdminCannotTouchData() {
    Role role = Role.parse("bucket_admin[b]");
    assertThat(role.grants(DATA_READ, "b", null, null)).isFalse();
    assertThat(role.grants(DATA_WRITE, "b", null, null)).isFalse();
    assertThat(role.grants(DCP_READ, "b", null, null)).isFalse();
    assertThat(role.grants(CLUSTER_ADMIN, null, null, null)).isFalse();
  }

  @Test
  void wildcardBucketCoversEveryBucket() {
    Role role = Role.parse("bucket_full_access[*]");
    assertThat(role.grants(DATA_WRITE, "any-bucket", null, null)).isTrue();
    assertThat(role.grants(BUCKET_MANAGE, "any-bucket", null, null)).isFalse();
  }

  @Test
  void bucketPrivilegesNeedABucket() {
    assertThat(Role.of(RoleType.ADMIN).grants(DATA_READ, null, null, null)).isFalse();
    assertThat(Role.of(RoleType.ADMIN).grants(CLUSTER_ADMIN, null, null, null)).isTrue();
    assertThat(Role.parse("data_reader[*]").grants(DATA_READ, null, null, null)).isFalse();
    assertThat(Role.parse("data_reader[b]").grants(SYSTEM_SETTINGS, null, null, null)).isTrue();
  }

  @Test
  void scopedRolesCoverTheirKeyspaceOnlyButAllowSelect() {
    Role scope = Role.parse("data_reader[b:inventory]");
    assertThat(scope.grants(DATA_READ, "b", null, null)).isFalse();
    assertThat(scope.grants(DATA_READ, "b", "inventory", null)).isTrue();
    assertThat(scope.grants(DATA_READ, "b", "inventory", "airline")).isTrue();
    assertThat(scope.grants(DATA_READ, "b", "tenants", "airline")).isFalse();
    assertThat(scope.grants(SELECT, "b", null, null)).isTrue();
    assertThat(scope.grants(SELECT, "c", null, null)).isFalse();

    Role collection = Role.parse("data_writer[b:inventory:airline]");
    assertThat(collection.grants(DATA_WRITE, "b", "inventory", "airline")).isTrue();
    assertThat(collection.grants(DATA_WRITE, "b", "inventory", "hotel")).isFalse();
    assertThat(collection.grants(DATA_WRITE, "b", "inventory", null)).isFalse();
  }
}
