package org.settee.security;

import static org.settee.security.Privilege.BUCKET_FLUSH;
import static org.settee.security.Privilege.BUCKET_MANAGE;
import static org.settee.security.Privilege.DATA_READ;
import static org.settee.security.Privilege.DATA_WRITE;
import static org.settee.security.Privilege.DCP_READ;
import static org.settee.security.Privilege.DCP_WRITE;
import static org.settee.security.Privilege.SELECT;
import static org.settee.security.Privilege.SYSTEM_SETTINGS;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The Couchbase roles Settee knows, each with the privileges Couchbase Server 7.x gives it.
 *
 * <p>The table follows ns_server's role definitions (apps/ns_server/src/menelaus_roles.erl) as
 * translated to kv_engine privileges by memcached_permissions.erl. In particular bucket_admin
 * manages a bucket but has no data access ({[bucket, data], none} since 5.5), and every role here
 * may read the cluster configuration ({[pools], read}).
 */
public enum RoleType {
  /** Full Admin: everything, everywhere. */
  ADMIN("admin", Parameters.NONE, EnumSet.allOf(Privilege.class)),
  /** Bucket Admin: manage and flush a bucket, but not read or write its data. */
  BUCKET_ADMIN(
      "bucket_admin",
      Parameters.BUCKET,
      EnumSet.of(BUCKET_MANAGE, BUCKET_FLUSH, SELECT, SYSTEM_SETTINGS)),
  /** Application Access: all data operations including DCP, and flush; no bucket settings. */
  BUCKET_FULL_ACCESS(
      "bucket_full_access",
      Parameters.BUCKET,
      EnumSet.of(
          DATA_READ, DATA_WRITE, DCP_READ, DCP_WRITE, BUCKET_FLUSH, SELECT, SYSTEM_SETTINGS)),
  /** Data Reader: read documents. */
  DATA_READER("data_reader", Parameters.KEYSPACE, EnumSet.of(DATA_READ, SELECT, SYSTEM_SETTINGS)),
  /** Data Writer: insert, upsert and delete documents, but not read them. */
  DATA_WRITER("data_writer", Parameters.KEYSPACE, EnumSet.of(DATA_WRITE, SELECT, SYSTEM_SETTINGS)),
  /** Data DCP Reader: DCP streams, and (as in Couchbase) reading documents. */
  DATA_DCP_READER(
      "data_dcp_reader",
      Parameters.KEYSPACE,
      EnumSet.of(DATA_READ, DCP_READ, SELECT, SYSTEM_SETTINGS));

  /** What goes between the brackets of the role's notation. */
  public enum Parameters {
    /** No brackets: the role is cluster-wide ({@code admin}). */
    NONE,
    /** A bucket or {@code *}: {@code bucket_full_access[travel]}. */
    BUCKET,
    /** A bucket, optionally narrowed to a scope and a collection: {@code data_reader[b:s:c]}. */
    KEYSPACE
  }

  private final String roleName;
  private final Parameters parameters;
  private final Set<Privilege> privileges;

  RoleType(String roleName, Parameters parameters, Set<Privilege> privileges) {
    this.roleName = roleName;
    this.parameters = parameters;
    this.privileges = Collections.unmodifiableSet(privileges);
  }

  /** The name in Couchbase's notation and REST API, e.g. {@code bucket_full_access}. */
  public String roleName() {
    return roleName;
  }

  public Parameters parameters() {
    return parameters;
  }

  /** The privileges the role grants within the bucket (or keyspace) it names. */
  public Set<Privilege> privileges() {
    return privileges;
  }

  /** Returns the role type with this Couchbase name, or null if there is none. */
  public static RoleType byRoleName(String name) {
    for (RoleType t : values()) {
      if (t.roleName.equals(name)) {
        return t;
      }
    }
    return null;
  }
}
