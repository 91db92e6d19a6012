package org.settee.node;

/** A node's lifecycle; it only moves forward. */
public enum NodeState {
  /** Configured, nothing running. */
  NEW,
  /** Loading configuration and binding listeners. */
  STARTING,
  /** Serving. */
  RUNNING,
  /** Refusing new work, closing connections, releasing resources. */
  STOPPING,
  /** Everything released. */
  STOPPED
}
