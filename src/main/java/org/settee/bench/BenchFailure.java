package org.settee.bench;

/**
 * Why a bench run could not finish: the server refused the connection, closed it, sent garbage,
 * stopped answering or refused the handshake. The message is written for the person at the
 * terminal.
 */
public final class BenchFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BenchFailure(String message) {
    super(message);
  }

  public BenchFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
