package org.settee.security;

import java.nio.file.Path;

/**
 * The users file cannot be read, is corrupt, or cannot be written; the message names the file. When
 * a write fails the store keeps its previous state, so memory and disk still agree.
 */
public final class UserStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  private UserStoreException(Path file, String message, Throwable cause) {
    super(message, cause);
    this.file = file;
  }

  static UserStoreException corrupt(Path file, String detail, Throwable cause) {
    return new UserStoreException(
        file, "users file " + file + " is corrupt (left untouched): " + detail, cause);
  }

  static UserStoreException unreadable(Path file, Throwable cause) {
    return new UserStoreException(file, "cannot read users file " + file + ": " + cause, cause);
  }

  static UserStoreException unwritable(Path file, Throwable cause) {
    return new UserStoreException(file, "cannot write users file " + file + ": " + cause, cause);
  }

  /** The users file concerned (null after deserialization). */
  public Path file() {
    return file;
  }
}
