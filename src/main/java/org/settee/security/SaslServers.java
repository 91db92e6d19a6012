package org.settee.security;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.Supplier;

/** Creates the server side of a SASL exchange for a mechanism a client asked for. */
public final class SaslServers {
  private static final SecureRandom RANDOM = new SecureRandom();

  private SaslServers() {}

  /** A fresh exchange for this mechanism, checking credentials against {@code users}. */
  public static SaslServer create(SaslMechanism mechanism, UserStore users) {
    if (mechanism == SaslMechanism.PLAIN) {
      return new PlainSaslServer(users);
    }
    return new ScramSaslServer(mechanism, users, SaslServers::serverNonce);
  }

  /** A SCRAM exchange with a chosen server nonce: the RFC test vectors need this. */
  static SaslServer scram(SaslMechanism mechanism, UserStore users, Supplier<String> serverNonce) {
    return new ScramSaslServer(mechanism, users, serverNonce);
  }

  /** As kv_engine: 8 random bytes as 16 hex digits, which can never contain a comma. */
  static String serverNonce() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
