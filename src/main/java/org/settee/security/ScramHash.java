package org.settee.security;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/** A hash function SCRAM runs over (RFC 5802 H, HMAC and Hi), backed by the JDK providers. */
public enum ScramHash {
  SHA1("SHA-1", "HmacSHA1", "PBKDF2WithHmacSHA1", 20, "scram-sha-1"),
  SHA256("SHA-256", "HmacSHA256", "PBKDF2WithHmacSHA256", 32, "scram-sha-256"),
  SHA512("SHA-512", "HmacSHA512", "PBKDF2WithHmacSHA512", 64, "scram-sha-512");

  private final String digestAlgorithm;
  private final String macAlgorithm;
  private final String pbkdf2Algorithm;
  private final int length;
  private final String fileKey;

  ScramHash(
      String digestAlgorithm,
      String macAlgorithm,
      String pbkdf2Algorithm,
      int length,
      String fileKey) {
    this.digestAlgorithm = digestAlgorithm;
    this.macAlgorithm = macAlgorithm;
    this.pbkdf2Algorithm = pbkdf2Algorithm;
    this.length = length;
    this.fileKey = fileKey;
  }

  /** Output length in bytes; also the length of our salts, as kv_engine does. */
  public int length() {
    return length;
  }

  /** The key of this hash's credential in the users file. */
  String fileKey() {
    return fileKey;
  }

  byte[] digest(byte[] data) {
    try {
      return MessageDigest.getInstance(digestAlgorithm).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw missing(e);
    }
  }

  byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(macAlgorithm);
      mac.init(new SecretKeySpec(key, macAlgorithm));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw missing(e);
    }
  }

  /** SaltedPassword = Hi(password, salt, i); the JDK encodes the password chars as UTF-8. */
  byte[] saltedPassword(String password, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, length * 8);
    try {
      return SecretKeyFactory.getInstance(pbkdf2Algorithm).generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw missing(e);
    } finally {
      spec.clearPassword();
    }
  }

  // Every Java SE runtime must ship these algorithms, so their absence is a broken JDK.
  private IllegalStateException missing(GeneralSecurityException e) {
    return new IllegalStateException("JDK lacks " + name() + " support", e);
  }
}
