package org.settee.net;

/**
 * What a connection became beyond answering requests (a DCP producer): it hears of the connection's
 * I/O events on the connection's event loop.
 */
public interface ConnectionRole {
  /** The channel can take more output again. */
  void writable();

  /** The connection closed; the role releases what it holds. Called once. */
  void closed();
}
