package org.settee.security;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * How to answer one SASL_AUTH / SASL_STEP: the outcome, the challenge to send back as the value,
 * the authenticated user (SUCCESS only) and a short reason for the error context.
 */
public record SaslStep(Outcome outcome, byte[] challenge, User user, String errorContext) {
  /** The one reason given for every credential failure, whichever part was wrong. */
  public static final String AUTHENTICATION_FAILED = "Authentication failed";

  /** Where the exchange ended up, and thus the status to reply with. */
  public enum Outcome {
    /** Authenticated: reply SUCCESS with the challenge (SCRAM server-final) as value. */
    SUCCESS,
    /** More to exchange: reply AUTH_CONTINUE (0x21) with the challenge (SCRAM server-first). */
    CONTINUE,
    /** Unknown user or wrong password: reply AUTH_ERROR (0x20). */
    FAILURE,
    /** Malformed message or out-of-sequence step: reply EINVAL (0x04). */
    INVALID
  }

  public SaslStep {
    if (outcome == null) {
      throw new IllegalArgumentException("outcome is null");
    }
    if ((user != null) != (outcome == Outcome.SUCCESS)) {
      throw new IllegalArgumentException("a user comes with SUCCESS and only then");
    }
    challenge = challenge == null ? new byte[0] : challenge;
  }

  public static SaslStep success(byte[] challenge, User user) {
    return new SaslStep(Outcome.SUCCESS, challenge, user, null);
  }

  public static SaslStep continueWith(byte[] challenge) {
    return new SaslStep(Outcome.CONTINUE, challenge, null, null);
  }

  public static SaslStep failure() {
    return new SaslStep(Outcome.FAILURE, null, null, AUTHENTICATION_FAILED);
  }

  public static SaslStep invalid(String reason) {
    return new SaslStep(Outcome.INVALID, null, null, reason);
  }

  /** The challenge as text: SCRAM messages are ASCII. */
  public String challengeText() {
    return new String(challenge, UTF_8);
  }

  @Override
  public String toString() {
    return "SaslStep["
        + outcome
        + (challenge.length > 0 ? ", challenge=" + challengeText() : "")
        + (user != null ? ", user=" + user.name() : "")
        + (errorContext != null ? ", " + errorContext : "")
        + "]";
  }
}
