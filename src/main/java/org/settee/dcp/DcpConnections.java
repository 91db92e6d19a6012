package org.settee.dcp;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.settee.kv.Bucket;
import org.settee.net.Connection;
import org.settee.storage.BucketStorage;

/**
 * The node's DCP connections by name. A new connection with the name of an existing one replaces
 * it: the old one is disconnected, as kv_engine does so that a restarted consumer never competes
 * with its own stale connection.
 */
public final class DcpConnections {
  private final ConcurrentHashMap<String, DcpProducer> byName = new ConcurrentHashMap<>();
  private final Executor backfillExecutor;

  public DcpConnections(Executor backfillExecutor) {
    this.backfillExecutor = backfillExecutor;
  }

  /** Makes {@code connection} a DCP producer named {@code name}, disconnecting a namesake. */
  public DcpProducer openProducer(
      Connection connection, Bucket bucket, BucketStorage storage, String name, OpenFlags flags) {
    DcpProducer producer =
        new DcpProducer(connection, bucket, storage, backfillExecutor, this, name, flags);
    connection.role(producer);
    DcpProducer old = byName.put(name, producer);
    if (old != null && old != producer) {
      old.connection().close("replaced by a new DCP connection named " + name);
    }
    return producer;
  }

  void remove(String name, DcpProducer producer) {
    byName.remove(name, producer);
  }

  public Collection<DcpProducer> all() {
    return List.copyOf(byName.values());
  }
}
