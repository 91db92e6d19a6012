package org.settee.net;

import org.settee.cluster.ConfigJson;
import org.settee.cluster.ConfigRevision;
import org.settee.kv.Bucket;
import org.settee.protocol.ServerRequest;

/**
 * Tells clients that asked for it (Duplex + ClustermapChangeNotification) that the configuration
 * changed, so they fetch it at once instead of at their next poll.
 */
public final class ConfigPush {
  private static final byte[] EMPTY = new byte[0];

  private ConfigPush() {}

  /** Offers the current configuration to a connection; runs on its event loop. */
  public static void offer(Connection connection, ConfigJson configs) {
    connection.channel().eventLoop().execute(() -> push(connection, configs));
  }

  private static void push(Connection c, ConfigJson configs) {
    if (c.isClosing() || !c.wantsConfigPush() || !c.state().isAuthenticated()) {
      return;
    }
    ConfigRevision current = configs.revision();
    if (!current.isNewerThan(c.configSeen())) {
      return;
    }
    Bucket bucket = c.bucket();
    byte[] name =
        bucket == null ? EMPTY : bucket.name().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] config = EMPTY;
    if (!c.wantsBriefConfigPush()) {
      config = bucket == null ? configs.global() : configs.terseBucket(bucket);
    }
    ServerRequest.writeClustermapChangeNotification(
        c.output(), current.epoch(), current.rev(), name, config, c.json());
    c.sawConfig(current);
    if (!c.isSuspended()) {
      c.flushOutput();
    }
  }
}
