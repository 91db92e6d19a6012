package org.settee.security;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.SecureRandom;

/**
 * Stand-in credentials for names that are not users, so that an exchange for an unknown name looks
 * like one for a real user until the proof is refused (no user enumeration). The salt is derived
 * from a per-process secret: asking twice for the same name shows the same salt, as it would for a
 * real user, and it is as long as a real salt.
 */
final class UnknownUsers {
  private static final byte[] SECRET = new byte[32];

  static {
    new SecureRandom().nextBytes(SECRET);
  }

  private UnknownUsers() {}

  /** A credential no password matches (its keys derive from the secret, not a password). */
  static ScramCredential credential(ScramHash hash, String name, int iterations) {
    return ScramCredential.of(
        hash,
        derive(hash, "salt", name),
        iterations,
        derive(hash, "storedKey", name),
        derive(hash, "serverKey", name));
  }

  private static byte[] derive(ScramHash hash, String purpose, String name) {
    return hash.hmac(SECRET, (purpose + '\0' + name).getBytes(UTF_8));
  }
}
