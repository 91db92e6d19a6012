package org.settee.http;

import org.settee.security.Privilege;
import org.settee.security.User;

/**
 * What a route asks of an authenticated caller: a {@link Privilege}, on the bucket its path names
 * when it is a bucket privilege, and the ns_server permission that a 403 names, e.g. {@code
 * cluster.bucket[travel].settings!read}.
 *
 * @param privilege null when being authenticated is enough
 * @param bucketParam the path parameter naming the bucket, or null for cluster-wide privileges
 * @param permission ns_server's permission, with {@code {bucket}} standing for the bucket name
 */
record Access(Privilege privilege, String bucketParam, String permission) {
  /** Any authenticated user (e.g. {@code /whoami}, or a list filtered by the handler). */
  static Access authenticated() {
    return new Access(null, null, null);
  }

  static Access cluster(Privilege privilege, String permission) {
    return new Access(privilege, null, permission);
  }

  static Access bucket(Privilege privilege, String permission) {
    return new Access(privilege, "bucket", permission);
  }

  /** The permission the user lacks for this request, or null when it is allowed. */
  String missing(User user, RestRequest request) {
    if (privilege == null) {
      return null;
    }
    String bucket = bucketParam == null ? null : request.param(bucketParam);
    if (user.can(privilege, bucket)) {
      return null;
    }
    return bucket == null ? permission : permission.replace("{bucket}", bucket);
  }
}
