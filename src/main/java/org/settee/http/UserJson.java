package org.settee.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.settee.security.Role;
import org.settee.security.RoleType;
import org.settee.security.User;

/**
 * Users and roles in the shape of {@code /settings/rbac/users} (7.x): a role is {@code role} plus
 * {@code bucket_name}, {@code scope_name} and {@code collection_name} as far as its type takes them
 * ({@code *} for all), and {@code origins} saying the role was given to the user directly.
 */
final class UserJson {
  private UserJson() {}

  static ObjectNode user(User user, UserProfiles.Profile profile) {
    ObjectNode n = Json.object();
    n.put("id", user.name());
    n.put("domain", "local");
    var roles = n.putArray("roles");
    for (Role r : user.roles()) {
      ObjectNode role = role(r);
      role.putArray("origins").addObject().put("type", "user");
      roles.add(role);
    }
    n.putArray("groups");
    n.putArray("external_groups");
    n.put("name", profile.displayName());
    if (profile.passwordChangeDate() != null) {
      n.put("password_change_date", profile.passwordChangeDate());
    }
    return n;
  }

  static ObjectNode role(Role r) {
    ObjectNode n = Json.object();
    n.put("role", r.type().roleName());
    switch (r.type().parameters()) {
      case NONE -> {}
      case BUCKET -> n.put("bucket_name", r.bucket());
      case KEYSPACE -> {
        n.put("bucket_name", r.bucket());
        n.put("scope_name", r.scope() == null ? Role.ANY : r.scope());
        n.put("collection_name", r.collection() == null ? Role.ANY : r.collection());
      }
    }
    return n;
  }

  /** A role type as {@code /settings/rbac/roles} lists it: over all buckets where it takes one. */
  static ObjectNode roleType(RoleType type, String displayName, String description) {
    ObjectNode n = Json.object();
    n.put("role", type.roleName());
    switch (type.parameters()) {
      case NONE -> {}
      case BUCKET -> n.put("bucket_name", Role.ANY);
      case KEYSPACE -> {
        n.put("bucket_name", Role.ANY);
        n.put("scope_name", Role.ANY);
        n.put("collection_name", Role.ANY);
      }
    }
    n.put("name", displayName);
    n.put("desc", description);
    return n;
  }
}
