package org.settee.storage;

/** Data on disk that Settee did not write, or that was damaged: the bucket refuses to open. */
public final class CorruptStorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CorruptStorageException(String message) {
    super(message);
  }

  public CorruptStorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
