package org.settee.security;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * A local user: a name, the roles granted to it and its salted credentials. Immutable; the {@link
 * UserStore} replaces the whole user on every change.
 */
public record User(String name, List<Role> roles, Credentials credentials) {
  /** ns_server's limit on a user name's length, in characters. */
  public static final int MAX_NAME_LENGTH = 128;

  // ns_server refuses these in user names (menelaus_web_rbac), as well as control characters.
  private static final String FORBIDDEN_NAME_CHARS = " ()<>@,;:\\\"/[]?={}";

  public User {
    checkName(name);
    if (roles == null || credentials == null) {
      throw new IllegalArgumentException("user " + name + ": roles and credentials are required");
    }
    roles = List.copyOf(new LinkedHashSet<>(roles)); // duplicates add nothing
  }

  /**
   * Rejects names Couchbase would refuse; this also keeps SCRAM's "," and "=" out of names.
   *
   * @throws IllegalArgumentException saying what is wrong with the name
   */
  public static void checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("user name must not be empty");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "user name longer than " + MAX_NAME_LENGTH + " characters");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isISOControl(c)
          || FORBIDDEN_NAME_CHARS.indexOf(c) >= 0
          || Character.isSurrogate(c) && !validSurrogatePair(name, i)) {
        throw new IllegalArgumentException(
            "user name '"
                + name
                + "' must not contain spaces, control characters or any of ()<>@,;:\\\"/[]?={}");
      }
    }
  }

  // An unpaired surrogate has no UTF-8 form, so a client could never send this name.
  private static boolean validSurrogatePair(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  /**
   * Whether any of the user's roles grants the privilege on the whole bucket. {@code bucketName}
   * may be null for cluster-wide privileges; a bucket privilege asked about no bucket is refused.
   */
  public boolean can(Privilege privilege, String bucketName) {
    return can(privilege, bucketName, null, null);
  }

  /** Whether any role grants the privilege on this scope or collection (null meaning all). */
  public boolean can(Privilege privilege, String bucketName, String scope, String collection) {
    for (Role role : roles) {
      if (role.grants(privilege, bucketName, scope, collection)) {
        return true;
      }
    }
    return false;
  }

  /** Whether SELECT_BUCKET of this bucket is allowed: the user holds some privilege in it. */
  public boolean canSelect(String bucketName) {
    return can(Privilege.SELECT, bucketName);
  }

  /** This user with other roles and the same credentials. */
  public User withRoles(List<Role> newRoles) {
    return new User(name, newRoles, credentials);
  }

  @Override
  public String toString() {
    return "User[" + name + ", roles=" + roles + "]";
  }
}
