package org.settee.security;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The SASL mechanisms a KV connection can authenticate with, strongest first, as SASL_LIST_MECHS
 * announces them.
 */
public enum SaslMechanism {
  SCRAM_SHA512("SCRAM-SHA512", ScramHash.SHA512),
  SCRAM_SHA256("SCRAM-SHA256", ScramHash.SHA256),
  SCRAM_SHA1("SCRAM-SHA1", ScramHash.SHA1),
  /** Password in clear text: only sensible over TLS, where the SDK prefers it. */
  PLAIN("PLAIN", null);

  // Declaration order is the order clients see, and the SDK tries the first it supports.
  private static final String LIST =
      Arrays.stream(values()).map(SaslMechanism::wireName).collect(Collectors.joining(" "));

  private final String wireName;
  private final ScramHash scramHash;

  SaslMechanism(String wireName, ScramHash scramHash) {
    this.wireName = wireName;
    this.scramHash = scramHash;
  }

  /** The name in the key of SASL_AUTH / SASL_STEP and in the SASL_LIST_MECHS reply. */
  public String wireName() {
    return wireName;
  }

  /** The hash a SCRAM mechanism runs over; null for PLAIN. */
  public ScramHash scramHash() {
    return scramHash;
  }

  /** Returns the mechanism a client named (case-sensitive, as kv_engine), or null if unknown. */
  public static SaslMechanism byWireName(String name) {
    for (SaslMechanism m : values()) {
      if (m.wireName.equals(name)) {
        return m;
      }
    }
    return null;
  }

  /** The SASL_LIST_MECHS reply value: "SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN". */
  public static String listMechs() {
    return LIST;
  }
}
