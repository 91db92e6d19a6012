package org.settee.security;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One role granted to a user, in Couchbase's notation: {@code admin}, {@code
 * bucket_full_access[travel]}, {@code data_reader[*]}, {@code data_reader[travel:inventory]} or
 * {@code data_writer[travel:inventory:airline]}.
 *
 * <p>{@code bucket} is null only for cluster-wide roles and may be {@link #ANY}; {@code scope} and
 * {@code collection} are null when the role covers all of them ({@code *} is accepted and stored as
 * null).
 */
public record Role(RoleType type, String bucket, String scope, String collection) {
  /** The wildcard: every bucket (or scope, or collection). */
  public static final String ANY = "*";

  // Couchbase's own rules for bucket names and for scope and collection names.
  private static final Pattern BUCKET_NAME = Pattern.compile("[A-Za-z0-9_.%-]{1,100}");
  private static final Pattern KEYSPACE_NAME = Pattern.compile("[A-Za-z0-9_%-]{1,251}");

  /** Validates the shape against the role type; {@code *} for scope or collection means all. */
  public Role {
    if (type == null) {
      throw new IllegalArgumentException("role type is null");
    }
    if (ANY.equals(collection)) {
      collection = null;
    }
    if (ANY.equals(scope)) {
      if (collection != null) {
        throw new IllegalArgumentException("a collection needs a scope, not *");
      }
      scope = null;
    }
    String name = type.roleName();
    switch (type.parameters()) {
      case NONE -> {
        if (bucket != null || scope != null || collection != null) {
          throw new IllegalArgumentException(name + " takes no bucket");
        }
      }
      case BUCKET -> {
        if (scope != null || collection != null) {
          throw new IllegalArgumentException(
              name + " takes a bucket only, not a scope or collection");
        }
      }
      case KEYSPACE -> {
        if (collection != null && scope == null) {
          throw new IllegalArgumentException("a collection needs a scope");
        }
        if (scope != null && ANY.equals(bucket)) {
          throw new IllegalArgumentException("a scope needs a bucket, not *");
        }
      }
    }
    if (type.parameters() != RoleType.Parameters.NONE) {
      if (bucket == null) {
        throw new IllegalArgumentException(
            name + " needs a bucket, e.g. " + name + "[bucket] or " + name + "[*]");
      }
      check(bucket.equals(ANY) || BUCKET_NAME.matcher(bucket).matches(), "bucket", bucket);
      check(scope == null || KEYSPACE_NAME.matcher(scope).matches(), "scope", scope);
      check(
          collection == null || KEYSPACE_NAME.matcher(collection).matches(),
          "collection",
          collection);
    }
  }

  private static void check(boolean ok, String what, String value) {
    if (!ok) {
      throw new IllegalArgumentException("invalid " + what + " name '" + value + "'");
    }
  }

  /** A cluster-wide role such as {@code admin}. */
  public static Role of(RoleType type) {
    return new Role(type, null, null, null);
  }

  /** A role on one bucket, or on every bucket with {@link #ANY}. */
  public static Role of(RoleType type, String bucket) {
    return new Role(type, bucket, null, null);
  }

  /**
   * Parses one role in Couchbase's notation (surrounding blanks ignored).
   *
   * @throws IllegalArgumentException naming the role text and what is wrong with it
   */
  public static Role parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("role is null");
    }
    String s = text.strip();
    int open = s.indexOf('[');
    String name = open < 0 ? s : s.substring(0, open);
    RoleType type = RoleType.byRoleName(name);
    if (type == null) {
      throw bad(text, "unknown role '" + name + "'");
    }
    String[] parts = {};
    if (open >= 0) {
      if (s.indexOf(']') != s.length() - 1 || s.indexOf('[', open + 1) >= 0) {
        throw bad(text, "expected " + name + "[...] with one pair of brackets at the end");
      }
      parts = s.substring(open + 1, s.length() - 1).split(":", -1);
      if (parts.length > 3) {
        throw bad(text, "expected at most bucket:scope:collection");
      }
    }
    try {
      return new Role(
          type,
          parts.length > 0 ? parts[0] : null,
          parts.length > 1 ? parts[1] : null,
          parts.length > 2 ? parts[2] : null);
    } catch (IllegalArgumentException e) {
      throw bad(text, e.getMessage());
    }
  }

  /** Parses a comma-separated list, as the REST API's {@code roles} form field carries. */
  public static List<Role> parseList(String commaSeparated) {
    List<Role> roles = new ArrayList<>();
    if (commaSeparated == null || commaSeparated.isBlank()) {
      return roles;
    }
    for (String one : commaSeparated.split(",", -1)) {
      roles.add(parse(one));
    }
    return roles;
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("invalid role '" + text + "': " + why);
  }

  /**
   * Whether this role grants the privilege on the given keyspace. A null scope (or collection) asks
   * about all of them, which a role narrowed to one scope does not cover. A bucket privilege asked
   * about no bucket (null) is refused. SELECT ignores the narrowing: as in kv_engine, any privilege
   * inside a bucket lets a user select it.
   */
  public boolean grants(Privilege privilege, String bucket, String scope, String collection) {
    if (!type.privileges().contains(privilege)) {
      return false;
    }
    if (privilege.clusterWide()) {
      return true;
    }
    if (bucket == null) {
      return false;
    }
    if (this.bucket == null) {
      return true; // a cluster-wide role (admin) holds its bucket privileges on every bucket
    }
    if (!this.bucket.equals(ANY) && !this.bucket.equals(bucket)) {
      return false;
    }
    if (privilege == Privilege.SELECT || this.scope == null) {
      return true;
    }
    if (!this.scope.equals(scope)) {
      return false;
    }
    return this.collection == null || this.collection.equals(collection);
  }

  /** The role in Couchbase's notation; {@link #parse} reads it back to an equal role. */
  @Override
  public String toString() {
    if (bucket == null) {
      return type.roleName();
    }
    StringBuilder sb = new StringBuilder(type.roleName()).append('[').append(bucket);
    if (scope != null) {
      sb.append(':').append(scope);
      if (collection != null) {
        sb.append(':').append(collection);
      }
    }
    return sb.append(']').toString();
  }
}
