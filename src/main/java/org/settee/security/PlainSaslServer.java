package org.settee.security;

/**
 * The server side of SASL PLAIN (RFC 4616): one message, {@code authzid NUL user NUL password},
 * checked against the stored SCRAM-SHA-512 keys. The SDK uses it over TLS only.
 */
final class PlainSaslServer implements SaslServer {
  private final UserStore users;
  private boolean done;

  PlainSaslServer(UserStore users) {
    this.users = users;
  }

  @Override
  public SaslMechanism mechanism() {
    return SaslMechanism.PLAIN;
  }

  @Override
  public SaslStep evaluate(byte[] clientMessage) {
    if (done) {
      return SaslStep.invalid("PLAIN takes a single message");
    }
    done = true;
    byte[] bytes = clientMessage == null ? new byte[0] : clientMessage;
    if (bytes.length > MAX_MESSAGE_BYTES) {
      return SaslStep.invalid("SASL message longer than " + MAX_MESSAGE_BYTES + " bytes");
    }
    int first = indexOfNul(bytes, 0);
    int second = first < 0 ? -1 : indexOfNul(bytes, first + 1);
    if (second < 0 || indexOfNul(bytes, second + 1) >= 0) {
      return SaslStep.invalid("PLAIN message must be authzid NUL user NUL password");
    }
    String authzid = SaslText.decode(bytes, 0, first);
    String name = SaslText.decode(bytes, first + 1, second);
    String password = SaslText.decode(bytes, second + 1, bytes.length);
    if (authzid == null || name == null || password == null) {
      return SaslStep.invalid("PLAIN message is not valid UTF-8");
    }
    User user = users.authenticatePlain(name, password);
    // Acting as another user (authzid) is not supported; asking to is a failed authentication.
    if (user == null || !(authzid.isEmpty() || authzid.equals(name))) {
      return SaslStep.failure();
    }
    return SaslStep.success(null, user);
  }

  private static int indexOfNul(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        return i;
      }
    }
    return -1;
  }
}
