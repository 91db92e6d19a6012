package org.settee.command;

import org.settee.cluster.ConfigJson;
import org.settee.cluster.ConfigRevision;
import org.settee.kv.Bucket;
import org.settee.kv.BucketType;
import org.settee.net.Connection;
import org.settee.protocol.Datatype;
import org.settee.protocol.Status;
import org.settee.security.Privilege;

/**
 * GET_CLUSTER_CONFIG: the selected bucket's terse configuration, or the global one without a
 * bucket. Extras may carry the version the client has (epoch i64, rev i64): then an empty success
 * means "nothing newer".
 */
final class ClusterConfigExecutor implements CommandExecutor {
  private static final byte[] EMPTY = new byte[0];
  private final ConfigJson configs;

  ClusterConfigExecutor(ConfigJson configs) {
    this.configs = configs;
  }

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0, 16);
    cookie.expectNoKey();
    cookie.expectNoValue();
    if (cookie.request().cas() != 0) {
      throw CommandException.invalid("GET_CLUSTER_CONFIG takes no CAS");
    }
    Connection connection = cookie.connection();
    Bucket bucket = connection.bucket();
    ConfigRevision current = configs.revision();
    byte[] json;
    if (bucket == null) {
      if (!connection.can(Privilege.SYSTEM_SETTINGS, null)) {
        throw new CommandException(
            Status.EACCESS, "no privilege to read the cluster configuration");
      }
      json = configs.global();
    } else if (bucket.settings().type() == BucketType.MEMCACHED) {
      throw new CommandException(Status.KEY_ENOENT, "memcached buckets have no vBucket map");
    } else {
      json = configs.terseBucket(bucket);
    }
    if (cookie.request().extrasLength() == 16) {
      var extras = cookie.request().extras();
      ConfigRevision known = new ConfigRevision(extras.getLong(0), extras.getLong(8));
      connection.sawConfig(known);
      if (!current.isNewerThan(known)) {
        cookie.respond(Status.SUCCESS, 0, Datatype.RAW, EMPTY, EMPTY, EMPTY);
        return;
      }
    }
    connection.sawConfig(current);
    cookie.respond(
        Status.SUCCESS, 0, connection.json() ? Datatype.JSON : Datatype.RAW, EMPTY, EMPTY, json);
  }
}
