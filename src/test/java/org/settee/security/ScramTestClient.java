package org.settee.security;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of SCRAM written from RFC 5802 for the tests, sharing no code with the server (as
 * the SDK's ScramSaslClient does it).
 */
final class ScramTestClient {
  private final String jca; // "SHA1", "SHA256", "SHA512"
  private final String gs2Header;
  private final String clientFirstBare;
  private final String password;
  private String authMessage;
  private byte[] saltedPassword;

  ScramTestClient(SaslMechanism mechanism, String user, String password, String clientNonce) {
    this(mechanism, "n,,", user, password, clientNonce);
  }

  ScramTestClient(
      SaslMechanism mechanism, String gs2Header, String user, String password, String nonce) {
    this.jca = mechanism.wireName().substring("SCRAM-".length());
    this.gs2Header = gs2Header;
    this.clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + nonce;
    this.password = password;
  }

  byte[] clientFirst() {
    return (gs2Header + clientFirstBare).getBytes(UTF_8);
  }

  /** The client-final message answering this server-first. */
  byte[] clientFinal(String serverFirst) {
    Map<String, String> attrs = attributes(serverFirst);
    byte[] salt = Base64.getDecoder().decode(attrs.get("s"));
    int iterations = Integer.parseInt(attrs.get("i"));
    saltedPassword = pbkdf2(salt, iterations);
    String withoutProof =
        "c="
            + Base64.getEncoder().encodeToString(gs2Header.getBytes(UTF_8))
            + ",r="
            + attrs.get("r");
    authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    byte[] clientKey = hmac(saltedPassword, "Client Key".getBytes(UTF_8));
    byte[] storedKey = digest(clientKey);
    byte[] signature = hmac(storedKey, authMessage.getBytes(UTF_8));
    byte[] proof = new byte[clientKey.length];
    for (int i = 0; i < proof.length; i++) {
      proof[i] = (byte) (clientKey[i] ^ signature[i]);
    }
    return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(UTF_8);
  }

  /** The server-final message a server knowing the password must send. */
  String expectedServerFinal() {
    byte[] serverKey = hmac(saltedPassword, "Server Key".getBytes(UTF_8));
    return "v=" + Base64.getEncoder().encodeToString(hmac(serverKey, authMessage.getBytes(UTF_8)));
  }

  static Map<String, String> attributes(String message) {
    Map<String, String> attrs = new HashMap<>();
    for (String part : message.split(",")) {
      attrs.put(part.substring(0, 1), part.substring(2));
    }
    return attrs;
  }

  private byte[] pbkdf2(byte[] salt, int iterations) {
    try {
      int bits = MessageDigest.getInstance(digestName()).getDigestLength() * 8;
      PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, bits);
      return SecretKeyFactory.getInstance("PBKDF2WithHmac" + jca).generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("Hmac" + jca);
      mac.init(new SecretKeySpec(key, "Hmac" + jca));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private byte[] digest(byte[] data) {
    try {
      return MessageDigest.getInstance(digestName()).digest(data);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private String digestName() {
    return "SHA-" + jca.substring(3);
  }
}
