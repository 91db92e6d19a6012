package org.settee.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open streaming responses ({@code /pools/default/bs/<b>} and friends), told of every cluster
 * configuration change. The cluster configuration keeps its listeners forever, so the server
 * registers this one object once and streams come and go here; a stream leaves when its client
 * disconnects.
 */
final class ConfigStreams {
  private final Set<Runnable> subscribers = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * Called on the thread that changed the configuration: each subscriber must only schedule its
   * work (on its own event loop), never do it here.
   */
  void configChanged() {
    if (closed) {
      return;
    }
    for (Runnable s : subscribers) {
      s.run();
    }
  }

  /** Adds a subscriber; the returned handle removes it (idempotent). */
  Runnable subscribe(Runnable onChange) {
    subscribers.add(onChange);
    return () -> subscribers.remove(onChange);
  }

  /** Stops notifying: the server is stopping and closes the streams' connections itself. */
  void close() {
    closed = true;
    subscribers.clear();
  }

  int size() {
    return subscribers.size();
  }
}
