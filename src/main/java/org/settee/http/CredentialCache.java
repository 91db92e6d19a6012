package org.settee.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.settee.security.Credentials;
import org.settee.security.User;

/**
 * Remembers passwords that passed the PBKDF2 check, so that a REST client sending Basic auth with
 * every request costs one HMAC, not a PBKDF2 run (~16 ms), per request.
 *
 * <p>What is kept per user is an HMAC-SHA256 of the password under a key drawn at random for this
 * process, never the password, together with the identity of the {@link Credentials} object it was
 * verified against. A password change or a delete-and-recreate gives the user a new credentials
 * object (the store derives fresh salted keys), so the entry stops matching at once: an old
 * password can never get in through the cache. A role change keeps the credentials, and the roles
 * are always read from the current user.
 */
final class CredentialCache {
  /** Beyond this many users the cache starts over: it is an optimisation, never a requirement. */
  static final int MAX_ENTRIES = 10_000;

  private static final String HMAC = "HmacSHA256";

  private final SecretKeySpec key;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  private record Entry(Credentials verifiedAgainst, byte[] mac) {}

  CredentialCache() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    key = new SecretKeySpec(k, HMAC);
  }

  /** Whether this password was verified against the user's current credentials. */
  boolean matches(User user, String password) {
    Entry e = entries.get(user.name());
    return e != null
        && e.verifiedAgainst() == user.credentials()
        && MessageDigest.isEqual(e.mac(), mac(user.name(), password));
  }

  /** Records a password just verified (by PBKDF2) against {@code user}'s credentials. */
  void remember(User user, String password) {
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(user.name(), new Entry(user.credentials(), mac(user.name(), password)));
  }

  private byte[] mac(String user, String password) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      mac.update(user.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0); // user names cannot contain NUL: the split is unambiguous
      return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
