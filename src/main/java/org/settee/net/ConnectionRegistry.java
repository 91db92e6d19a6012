package org.settee.net;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The node's open KV connections, for stats and for closing the ones bound to a bucket. */
public final class ConnectionRegistry {
  private final AtomicLong nextId = new AtomicLong(1);
  private final AtomicLong totalConnections = new AtomicLong();
  private final ConcurrentHashMap<Long, Connection> open = new ConcurrentHashMap<>();

  long nextId() {
    return nextId.getAndIncrement();
  }

  void add(Connection c) {
    open.put(c.id(), c);
    totalConnections.incrementAndGet();
  }

  void remove(Connection c) {
    open.remove(c.id());
  }

  public Collection<Connection> open() {
    return List.copyOf(open.values());
  }

  public int openCount() {
    return open.size();
  }

  public long totalCount() {
    return totalConnections.get();
  }
}
