package org.settee.security;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * What the server keeps to verify one user over one SCRAM hash (RFC 5802 section 3): salt,
 * iteration count, StoredKey and ServerKey. Neither the password nor SaltedPassword is kept: both
 * let anyone log in, while these two keys do not.
 */
public final class ScramCredential {
  private static final byte[] CLIENT_KEY = "Client Key".getBytes(US_ASCII);
  private static final byte[] SERVER_KEY = "Server Key".getBytes(US_ASCII);

  /** Below 2 the SDK's PBKDF2 loop (ScramSaslClient.pbkdf2) computes a wrong key. */
  public static final int MIN_ITERATIONS = 2;

  private final ScramHash hash;
  private final byte[] salt;
  private final int iterations;
  private final byte[] storedKey;
  private final byte[] serverKey;

  private ScramCredential(
      ScramHash hash, byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
    this.hash = hash;
    this.salt = salt;
    this.iterations = iterations;
    this.storedKey = storedKey;
    this.serverKey = serverKey;
  }

  /** Derives the keys for a password; the caller chooses the salt (random, except in tests). */
  static ScramCredential derive(ScramHash hash, String password, byte[] salt, int iterations) {
    checkIterations(iterations);
    byte[] saltedPassword = hash.saltedPassword(password, salt, iterations);
    try {
      byte[] storedKey = hash.digest(hash.hmac(saltedPassword, CLIENT_KEY));
      byte[] serverKey = hash.hmac(saltedPassword, SERVER_KEY);
      return new ScramCredential(hash, salt.clone(), iterations, storedKey, serverKey);
    } finally {
      Arrays.fill(saltedPassword, (byte) 0);
    }
  }

  /** Rebuilds a credential read back from storage, rejecting keys of the wrong length. */
  static ScramCredential of(
      ScramHash hash, byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
    checkIterations(iterations);
    if (salt.length == 0) {
      throw new IllegalArgumentException("empty salt");
    }
    if (storedKey.length != hash.length() || serverKey.length != hash.length()) {
      throw new IllegalArgumentException(
          "storedKey and serverKey must be " + hash.length() + " bytes for " + hash);
    }
    return new ScramCredential(
        hash, salt.clone(), iterations, storedKey.clone(), serverKey.clone());
  }

  private static void checkIterations(int iterations) {
    if (iterations < MIN_ITERATIONS) {
      throw new IllegalArgumentException(
          "SCRAM iterations must be >= " + MIN_ITERATIONS + ", got " + iterations);
    }
  }

  /**
   * Whether the password is the one these keys were derived from: recomputes StoredKey (a full
   * PBKDF2 run) and compares in constant time. This is how PLAIN is checked.
   */
  boolean matchesPassword(String password) {
    if (password.isEmpty()) {
      return false; // never stored, and PBKDF2 with an empty key is not portable
    }
    ScramCredential candidate = derive(hash, password, salt, iterations);
    return MessageDigest.isEqual(candidate.storedKey, storedKey);
  }

  public ScramHash hash() {
    return hash;
  }

  public int iterations() {
    return iterations;
  }

  /** The salt as server-first sends it: standard base64 with padding. */
  public String saltBase64() {
    return Base64.getEncoder().encodeToString(salt);
  }

  // Package-private and not copied: only the SASL servers and the users file read the keys.
  byte[] storedKey() {
    return storedKey;
  }

  byte[] serverKey() {
    return serverKey;
  }

  @Override
  public String toString() {
    return "ScramCredential[" + hash + ", iterations=" + iterations + "]";
  }
}
