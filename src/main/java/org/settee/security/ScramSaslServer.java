package org.settee.security;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The server side of SCRAM-SHA1/256/512 as kv_engine speaks it (RFC 5802 without channel binding or
 * SASLprep), in two round trips:
 *
 * <pre>
 *   client-first  n,[authzid],n=user,r=cnonce            SASL_AUTH
 *   server-first  r=cnonce+snonce,s=salt,i=iterations     AUTH_CONTINUE
 *   client-final  c=biws,r=cnonce+snonce,p=proof          SASL_STEP
 *   server-final  v=ServerSignature                       SUCCESS
 * </pre>
 */
final class ScramSaslServer implements SaslServer {
  private static final Set<Character> CLIENT_FIRST_KEYS = Set.of('n', 'r');
  private static final Set<Character> CLIENT_FINAL_KEYS = Set.of('c', 'r', 'p');

  /** Where the exchange stands; only {@link #transition} changes it. */
  enum State {
    /** Nothing received yet: the next message must be client-first. */
    AWAITING_CLIENT_FIRST,
    /** server-first sent: the next message must be client-final. */
    AWAITING_CLIENT_FINAL,
    /** Succeeded, failed or refused a message: any further message is INVALID. */
    DONE
  }

  private final SaslMechanism mechanism;
  private final ScramHash hash;
  private final UserStore users;
  private final Supplier<String> serverNonce;
  private State state = State.AWAITING_CLIENT_FIRST;

  // Set by client-first, read by client-final.
  private String gs2Header;
  private String clientFirstBare;
  private String serverFirst;
  private String nonce;
  private User user; // null: unknown name, checked against a stand-in credential
  private ScramCredential credential;

  ScramSaslServer(SaslMechanism mechanism, UserStore users, Supplier<String> serverNonce) {
    if (mechanism.scramHash() == null) {
      throw new IllegalArgumentException(mechanism + " is not a SCRAM mechanism");
    }
    this.mechanism = mechanism;
    this.hash = mechanism.scramHash();
    this.users = users;
    this.serverNonce = serverNonce;
  }

  @Override
  public SaslMechanism mechanism() {
    return mechanism;
  }

  State state() {
    return state;
  }

  private void transition(State next) {
    state = next;
  }

  @Override
  public SaslStep evaluate(byte[] clientMessage) {
    State current = state;
    transition(State.DONE); // unless client-first succeeds, this exchange is over
    byte[] bytes = clientMessage == null ? new byte[0] : clientMessage;
    if (current == State.DONE) {
      return SaslStep.invalid("SCRAM exchange already finished (state: " + current + ")");
    }
    if (bytes.length > MAX_MESSAGE_BYTES) {
      return SaslStep.invalid("SASL message longer than " + MAX_MESSAGE_BYTES + " bytes");
    }
    String text = SaslText.decode(bytes, 0, bytes.length);
    if (text == null) {
      return SaslStep.invalid("SCRAM message is not valid UTF-8");
    }
    return current == State.AWAITING_CLIENT_FIRST ? clientFirst(text) : clientFinal(text);
  }

  private SaslStep clientFirst(String message) {
    if (!message.startsWith("n,")) {
      return SaslStep.invalid("client-first must start with \"n,\": no channel binding here");
    }
    int headerEnd = message.indexOf(',', 2); // skips the authzid, which we ignore as kv_engine
    if (headerEnd < 0) {
      return SaslStep.invalid("client-first lacks the ',' ending its GS2 header");
    }
    gs2Header = message.substring(0, headerEnd + 1);
    clientFirstBare = message.substring(headerEnd + 1);
    Map<Character, String> attributes = ScramAttributes.parse(clientFirstBare);
    if (attributes == null) {
      return SaslStep.invalid("client-first is not a list of distinct k=value attributes");
    }
    if (!attributes.keySet().equals(CLIENT_FIRST_KEYS)) {
      return SaslStep.invalid("client-first must hold exactly the attributes n and r");
    }
    String name = ScramAttributes.decodeName(attributes.get('n'));
    if (name == null || name.isEmpty()) {
      return SaslStep.invalid("client-first has an empty or badly escaped user name");
    }
    String clientNonce = attributes.get('r');
    if (clientNonce.isEmpty() || !ScramAttributes.isPrintable(clientNonce)) {
      return SaslStep.invalid("client-first has an empty or non-printable nonce");
    }
    user = users.get(name);
    credential =
        user != null
            ? user.credentials().scram(hash)
            : UnknownUsers.credential(hash, name, users.scramIterations());
    nonce = clientNonce + serverNonce.get();
    serverFirst = "r=" + nonce + ",s=" + credential.saltBase64() + ",i=" + credential.iterations();
    transition(State.AWAITING_CLIENT_FINAL);
    return SaslStep.continueWith(serverFirst.getBytes(UTF_8));
  }

  private SaslStep clientFinal(String message) {
    Map<Character, String> attributes = ScramAttributes.parse(message);
    if (attributes == null) {
      return SaslStep.invalid("client-final is not a list of distinct k=value attributes");
    }
    if (!attributes.keySet().equals(CLIENT_FINAL_KEYS)) {
      return SaslStep.invalid("client-final must hold exactly the attributes c, r and p");
    }
    int proofAt = message.lastIndexOf(",p=");
    if (proofAt < 0 || message.indexOf(',', proofAt + 1) >= 0) {
      return SaslStep.invalid("client-final must end with the proof (p=)");
    }
    String expectedBinding =
        Base64.getEncoder().encodeToString(gs2Header.getBytes(UTF_8)); // "biws" for "n,,"
    if (!attributes.get('c').equals(expectedBinding)) {
      return SaslStep.invalid("client-final c= does not match the GS2 header of client-first");
    }
    if (!attributes.get('r').equals(nonce)) {
      return SaslStep.invalid("client-final nonce differs from the one in server-first");
    }
    byte[] proof;
    try {
      proof = Base64.getDecoder().decode(attributes.get('p'));
    } catch (IllegalArgumentException e) {
      return SaslStep.invalid("client-final proof is not base64");
    }
    if (proof.length != hash.length()) {
      return SaslStep.invalid("client-final proof is not " + hash.length() + " bytes");
    }
    byte[] authMessage =
        (clientFirstBare + "," + serverFirst + "," + message.substring(0, proofAt)).getBytes(UTF_8);
    // The same work whether or not the user exists, so timing does not tell.
    byte[] clientKey = hash.hmac(credential.storedKey(), authMessage);
    for (int i = 0; i < clientKey.length; i++) {
      clientKey[i] ^= proof[i];
    }
    boolean proofOk = MessageDigest.isEqual(hash.digest(clientKey), credential.storedKey());
    byte[] serverSignature = hash.hmac(credential.serverKey(), authMessage);
    User authenticated = proofOk && user != null ? current(user) : null;
    if (authenticated == null) {
      return SaslStep.failure();
    }
    String serverFinal = "v=" + Base64.getEncoder().encodeToString(serverSignature);
    return SaslStep.success(serverFinal.getBytes(UTF_8), authenticated);
  }

  // The user may have been changed between the two round trips: a deleted user or a changed
  // password fails; changed roles take effect now.
  private User current(User checked) {
    User now = users.get(checked.name());
    return now != null && now.credentials() == checked.credentials() ? now : null;
  }
}
