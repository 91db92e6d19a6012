package org.settee.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.settee.security.Role;
import org.settee.security.RoleType;
import org.settee.security.User;
import org.settee.security.UserStore;

/**
 * Local users as the SDK's UserManager drives them: {@code /settings/rbac/users[/local/<u>]}. A
 * user created or changed here can authenticate on KV at once (the store derives its SCRAM keys
 * when the password is set).
 *
 * <p>The last user holding {@code admin} can be neither deleted nor demoted: Settee's administrator
 * is an ordinary local user, and without one nobody could manage the node again.
 */
final class UsersResource {
  /** Couchbase's shortest password. */
  static final int MIN_PASSWORD_LENGTH = 6;

  private static final Set<String> PUT_PARAMS = Set.of("password", "roles", "name", "groups");

  private final UserStore users;
  private final UserProfiles profiles;

  UsersResource(UserStore users, UserProfiles profiles) {
    this.users = users;
    this.profiles = profiles;
  }

  /** {@code GET /settings/rbac/users}: every user, by name. */
  RestResponse list(RestRequest request) {
    ArrayNode list = Json.array();
    users.users().stream()
        .sorted(Comparator.comparing(User::name))
        .forEach(u -> list.add(UserJson.user(u, profiles.get(u.name()))));
    return RestResponse.json(list);
  }

  /** {@code GET /settings/rbac/users/local/<u>}. */
  RestResponse get(RestRequest request) {
    User user = users.get(request.param("user"));
    if (user == null) {
      throw new RestException(
          RestResponse.json(HttpResponseStatus.NOT_FOUND, Json.string("Unknown user.")),
          "unknown user");
    }
    return RestResponse.json(UserJson.user(user, profiles.get(user.name())));
  }

  /**
   * {@code PUT /settings/rbac/users/local/<u>}: creates the user, or replaces its roles, display
   * name and (when given) password. Everything is checked before anything changes.
   */
  RestResponse put(RestRequest request) {
    String name = request.param("user");
    Form form = request.form();
    Map<String, String> errors = new LinkedHashMap<>();
    form.unsupported(PUT_PARAMS, errors);
    try {
      User.checkName(name);
    } catch (IllegalArgumentException e) {
      errors.put("_", e.getMessage());
    }
    String password = form.get("password");
    User existing = users.get(name);
    if (password == null && existing == null) {
      errors.put("password", "Password is required when creating a user.");
    } else if (password != null && password.length() < MIN_PASSWORD_LENGTH) {
      errors.put("password", "The password must be at least 6 characters long.");
    }
    List<Role> roles = roles(form.get("roles"), errors);
    String groups = form.get("groups");
    if (groups != null && !groups.isBlank()) {
      errors.put("groups", "Groups do not exist: [" + groups + "]");
    }
    if (errors.isEmpty() && existing != null && isLastAdmin(existing) && !holdsAdmin(roles)) {
      errors.put("roles", "The last user with the admin role cannot lose it");
    }
    if (!errors.isEmpty()) {
      throw RestException.invalid(errors, null);
    }
    UserProfiles.Profile before = profiles.get(name);
    String displayName = form.has("name") ? form.get("name") : before.displayName();
    String passwordDate = before.passwordChangeDate();
    if (password != null) {
      users.upsert(name, password, roles);
      passwordDate = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    } else if (users.setRoles(name, roles) == null) {
      throw RestException.invalid("password", "Password is required when creating a user.");
    }
    profiles.put(name, new UserProfiles.Profile(displayName, passwordDate));
    return RestResponse.empty(HttpResponseStatus.OK);
  }

  /** {@code DELETE /settings/rbac/users/local/<u>}. */
  RestResponse delete(RestRequest request) {
    String name = request.param("user");
    User existing = users.get(name);
    if (existing == null) {
      throw new RestException(
          RestResponse.json(HttpResponseStatus.NOT_FOUND, Json.string("User was not found.")),
          "unknown user");
    }
    if (isLastAdmin(existing)) {
      throw RestException.invalid("_", "The last user with the admin role cannot be deleted");
    }
    if (!users.delete(name)) {
      throw new RestException(
          RestResponse.json(HttpResponseStatus.NOT_FOUND, Json.string("User was not found.")),
          "unknown user");
    }
    profiles.remove(name);
    return RestResponse.empty(HttpResponseStatus.OK);
  }

  // Every bad role is named, as ns_server does.
  private static List<Role> roles(String list, Map<String, String> errors) {
    List<Role> roles = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    if (list != null && !list.isBlank()) {
      for (String one : list.split(",", -1)) {
        try {
          roles.add(Role.parse(one));
        } catch (IllegalArgumentException e) {
          bad.add(one.strip() + " (" + e.getMessage() + ")");
        }
      }
    }
    if (!bad.isEmpty()) {
      errors.put(
          "roles",
          "Cannot assign roles to user because the following roles are unknown, malformed or"
              + " role parameters are undefined: "
              + bad);
    }
    return roles;
  }

  private boolean isLastAdmin(User user) {
    if (!holdsAdmin(user.roles())) {
      return false;
    }
    return users.users().stream()
        .filter(u -> !u.name().equals(user.name()))
        .noneMatch(u -> holdsAdmin(u.roles()));
  }

  private static boolean holdsAdmin(List<Role> roles) {
    return roles.stream().anyMatch(r -> r.type() == RoleType.ADMIN);
  }
}
