package org.settee.protocol;

/** HELLO feature codes. Settee answers HELLO with the subset of asked features it enables. */
public enum Feature {
  TCPNODELAY(0x03),
  MUTATION_SEQNO(0x04),
  XATTR(0x06),
  XERROR(0x07),
  SELECT_BUCKET(0x08),
  SNAPPY(0x0a),
  JSON(0x0b),
  DUPLEX(0x0c),
  CLUSTERMAP_CHANGE_NOTIFICATION(0x0d),
  UNORDERED_EXECUTION(0x0e),
  TRACING(0x0f),
  ALT_REQUEST_SUPPORT(0x10),
  SYNC_REPLICATION(0x11),
  COLLECTIONS(0x12),
  SNAPPY_EVERYWHERE(0x13),
  PRESERVE_TTL(0x14),
  GET_CLUSTER_CONFIG_WITH_KNOWN_VERSION(0x1d),
  DEDUPE_NOT_MY_VBUCKET_CLUSTERMAP(0x1e),
  CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF(0x1f);

  private final int code;

  Feature(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** Returns the feature for a code, or null for one Settee does not know (never an error). */
  public static Feature of(int code) {
    for (Feature f : values()) {
      if (f.code == code) {
        return f;
      }
    }
    return null;
  }
}
