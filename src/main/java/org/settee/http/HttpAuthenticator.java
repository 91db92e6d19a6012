package org.settee.http;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.settee.security.User;
import org.settee.security.UserStore;

/**
 * HTTP Basic authentication against the {@link UserStore}. A password seen before for the user's
 * current credentials is accepted from the {@link CredentialCache} on the event loop; anything else
 * is checked with PBKDF2 on a small bounded executor, and the answer is handed back to the event
 * loop. When that executor is saturated the request gets 503 rather than a queue without bound.
 */
final class HttpAuthenticator {
  private final UserStore users;
  private final Executor passwordChecks;
  private final CredentialCache cache = new CredentialCache();

  HttpAuthenticator(UserStore users, Executor passwordChecks) {
    this.users = users;
    this.passwordChecks = passwordChecks;
  }

  /**
   * Authenticates an {@code Authorization} header value (null if absent); {@code done} is called on
   * {@code loop}, possibly before this method returns.
   */
  void authenticate(String authorization, EventExecutor loop, Consumer<AuthResult> done) {
    if (authorization == null) {
      done.accept(AuthResult.MISSING);
      return;
    }
    BasicCredentials basic = BasicCredentials.parse(authorization);
    if (basic == null) {
      done.accept(AuthResult.REJECTED);
      return;
    }
    User current = users.get(basic.user());
    if (current != null && cache.matches(current, basic.password())) {
      done.accept(AuthResult.authenticated(current));
      return;
    }
    try {
      passwordChecks.execute(
          () -> {
            AuthResult result = verify(basic);
            loop.execute(() -> done.accept(result));
          });
    } catch (RejectedExecutionException e) {
      done.accept(AuthResult.BUSY);
    }
  }

  /**
   * A client whose TLS certificate named {@code name}: that user as stored now (roles may have
   * changed since the handshake), or rejected once deleted. As in ns_server, the certificate takes
   * precedence over any Authorization header.
   */
  AuthResult certificate(String name) {
    User user = users.get(name);
    return user == null ? AuthResult.REJECTED : AuthResult.authenticated(user);
  }

  // PBKDF2: off the event loop. An unknown user costs the same as a known one (UserStore).
  private AuthResult verify(BasicCredentials basic) {
    User verified = users.authenticatePlain(basic.user(), basic.password());
    if (verified == null) {
      return AuthResult.REJECTED;
    }
    cache.remember(verified, basic.password());
    // The roles may have changed during the check; the password may have too, then it fails.
    User now = users.get(basic.user());
    if (now == null || now.credentials() != verified.credentials()) {
      return AuthResult.REJECTED;
    }
    return AuthResult.authenticated(now);
  }
}
