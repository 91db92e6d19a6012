package org.settee.security;

import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A user's password as the server keeps it: one {@link ScramCredential} per SCRAM hash, each with
 * its own random salt, so a client may pick any SCRAM mechanism and PLAIN can still be checked.
 */
public final class Credentials {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<ScramHash, ScramCredential> byHash;

  private Credentials(Map<ScramHash, ScramCredential> byHash) {
    this.byHash = byHash;
  }

  /** Derives fresh credentials with random salts as long as each hash's output. */
  public static Credentials derive(String password, int iterations) {
    return derive(
        password,
        iterations,
        hash -> {
          byte[] salt = new byte[hash.length()];
          RANDOM.nextBytes(salt);
          return salt;
        });
  }

  /** Derives credentials with chosen salts: the RFC test vectors need this. */
  static Credentials derive(String password, int iterations, Function<ScramHash, byte[]> salts) {
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("password must not be empty");
    }
    Map<ScramHash, ScramCredential> byHash = new EnumMap<>(ScramHash.class);
    for (ScramHash hash : ScramHash.values()) {
      byHash.put(hash, ScramCredential.derive(hash, password, salts.apply(hash), iterations));
    }
    return new Credentials(byHash);
  }

  /** Assembles credentials read back from storage; every hash must be present. */
  static Credentials of(Map<ScramHash, ScramCredential> byHash) {
    for (ScramHash hash : ScramHash.values()) {
      ScramCredential c = byHash.get(hash);
      if (c == null || c.hash() != hash) {
        throw new IllegalArgumentException("missing " + hash.fileKey() + " credential");
      }
    }
    return new Credentials(new EnumMap<>(byHash));
  }

  /** The credential a SCRAM exchange over this hash checks against. */
  public ScramCredential scram(ScramHash hash) {
    return byHash.get(hash);
  }

  /** Checks a clear-text password (PLAIN, HTTP Basic) by recomputing the SHA-512 StoredKey. */
  public boolean matchesPassword(String password) {
    return password != null && byHash.get(ScramHash.SHA512).matchesPassword(password);
  }

  @Override
  public String toString() {
    return "Credentials" + byHash.keySet(); // never the keys
  }
}
