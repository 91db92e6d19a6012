package org.settee.security;

/**
 * The server side of one SASL exchange on one connection, fed the value of each SASL_AUTH /
 * SASL_STEP request in turn. Not thread-safe: it belongs to its connection's event loop. A new
 * SASL_AUTH starts a new exchange, i.e. a new instance from {@link SaslServers#create}.
 */
public interface SaslServer {
  /**
   * The largest client message accepted. Real ones are well under 1 KiB (a user name of at most 128
   * characters, a nonce, a proof); the bound keeps an unauthenticated client from making us hash or
   * copy large inputs.
   */
  int MAX_MESSAGE_BYTES = 4096;

  SaslMechanism mechanism();

  /**
   * Consumes the next client message (null is read as empty) and says how to answer it. After any
   * outcome other than CONTINUE the exchange is over and further messages are INVALID.
   */
  SaslStep evaluate(byte[] clientMessage);
}
