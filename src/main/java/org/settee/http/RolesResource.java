package org.settee.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.settee.security.Role;
import org.settee.security.RoleType;
import org.settee.security.User;

/**
 * The roles this node knows ({@code /settings/rbac/roles}) and the caller's own ({@code /whoami}).
 */
final class RolesResource {
  private final UserProfiles profiles;

  RolesResource(UserProfiles profiles) {
    this.profiles = profiles;
  }

  /** {@code GET /settings/rbac/roles}. */
  RestResponse roles(RestRequest request) {
    ArrayNode list = Json.array();
    for (RoleType type : RoleType.values()) {
      list.add(UserJson.roleType(type, displayName(type), description(type)));
    }
    return RestResponse.json(list);
  }

  /** {@code GET /whoami}. */
  RestResponse whoami(RestRequest request) {
    User user = request.user();
    ObjectNode n = Json.object();
    n.put("id", user.name());
    n.put("domain", "local");
    ArrayNode roles = n.putArray("roles");
    for (Role r : user.roles()) {
      roles.add(UserJson.role(r));
    }
    n.put("name", profiles.get(user.name()).displayName());
    return RestResponse.json(n);
  }

  // Couchbase's names and descriptions (Settings > Security in the console).
  static String displayName(RoleType type) {
    return switch (type.roleName()) {
      case "admin" -> "Full Admin";
      case "bucket_admin" -> "Bucket Admin";
      case "bucket_full_access" -> "Application Access";
      case "data_reader" -> "Data Reader";
      case "data_writer" -> "Data Writer";
      case "data_dcp_reader" -> "Data DCP Reader";
      default -> type.roleName();
    };
  }

  static String description(RoleType type) {
    return switch (type.roleName()) {
      case "admin" ->
          "Can manage all cluster features (including security). This user can access the web"
              + " console. This user can read and write all data.";
      case "bucket_admin" ->
          "Can manage ALL bucket features for a given bucket (including start/stop XDCR). This"
              + " user can access the web console. This user cannot read data.";
      case "bucket_full_access" ->
          "Full access to bucket data. This user cannot access the web console and is intended"
              + " only for application access. This user can read and write data.";
      case "data_reader" ->
          "Can read data from a given bucket, scope or collection. This user cannot access the"
              + " web console and is intended only for application access. This user can read"
              + " data, but cannot write it.";
      case "data_writer" ->
          "Can write data to a given bucket, scope or collection. This user cannot access the"
              + " web console and is intended only for application access. This user can write"
              + " data, but cannot read it.";
      case "data_dcp_reader" ->
          "Can initiate DCP streams for a given bucket, scope or collection. This user cannot"
              + " access the web console and is intended only for application access. This user"
              + " can read data.";
      default -> "";
    };
  }
}
