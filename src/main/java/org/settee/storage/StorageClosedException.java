package org.settee.storage;

/** A read of a bucket's storage after it was closed (the bucket is going away). */
public final class StorageClosedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageClosedException(String message) {
    super(message);
  }
}
