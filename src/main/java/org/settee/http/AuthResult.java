package org.settee.http;

import org.settee.security.User;

/**
 * How authenticating a request ended.
 *
 * @param user the authenticated user when {@code outcome} is {@link Outcome#AUTHENTICATED}
 */
record AuthResult(Outcome outcome, User user) {
  /** The ways authentication ends. */
  enum Outcome {
    /** Valid credentials: {@code user} is set. */
    AUTHENTICATED,
    /** No (Basic) credentials at all: 401. */
    MISSING,
    /** Wrong user or password, or a malformed header: 401. */
    REJECTED,
    /** Too many password checks queued: 503, the client retries. */
    BUSY
  }

  static final AuthResult MISSING = new AuthResult(Outcome.MISSING, null);
  static final AuthResult REJECTED = new AuthResult(Outcome.REJECTED, null);
  static final AuthResult BUSY = new AuthResult(Outcome.BUSY, null);

  static AuthResult authenticated(User user) {
    return new AuthResult(Outcome.AUTHENTICATED, user);
  }
}
