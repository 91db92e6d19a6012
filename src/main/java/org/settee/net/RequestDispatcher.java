package org.settee.net;

import org.settee.protocol.Request;

/** Executes one request on its connection's event loop and writes the response(s). */
public interface RequestDispatcher {
  /** Executes the request; the dispatcher releases it. */
  void dispatch(Connection connection, Request request);
}
