package org.settee.protocol;

/**
 * A frame that cannot be trusted: the stream cannot be resynchronised after it, so the connection
 * that sent it is closed (and only that one).
 */
public final class MalformedFrameException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MalformedFrameException(String message) {
    super(message);
  }
}
