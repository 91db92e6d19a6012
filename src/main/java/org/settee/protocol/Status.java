package org.settee.protocol;

import java.util.List;

/**
 * Response status codes, with the error-map attributes a client uses to decide what to do with a
 * code it does not know natively (GET_ERROR_MAP serves this table).
 */
public enum Status {
  SUCCESS(0x00, "Success", "success"),
  KEY_ENOENT(0x01, "Not Found", "item-only"),
  KEY_EEXISTS(0x02, "Document exists / CAS mismatch", "item-only"),
  E2BIG(0x03, "Value too large", "invalid-input"),
  EINVAL(0x04, "Invalid arguments", "invalid-input"),
  NOT_STORED(0x05, "Not stored", "item-only"),
  DELTA_BADVAL(0x06, "Non-numeric value for increment/decrement", "invalid-input"),
  NOT_MY_VBUCKET(0x07, "This vBucket is not owned here", "fetch-config", "retry-now"),
  NO_BUCKET(0x08, "No bucket selected", "conn-state-invalidated"),
  LOCKED(0x09, "Document locked", "item-locked", "item-only", "retry-later"),
  DCP_STREAM_NOT_FOUND(0x0a, "No DCP stream for this vBucket", "item-only"),
  OPAQUE_NO_MATCH(0x0b, "DCP stream opaque does not match", "item-only"),
  NOT_LOCKED(0x0e, "Document not locked", "item-only"),
  AUTH_STALE(0x1f, "Authentication stale, reauthenticate", "conn-state-invalidated", "auth"),
  AUTH_ERROR(0x20, "Authentication failed", "auth"),
  AUTH_CONTINUE(0x21, "Authentication continue", "auth", "special-handling"),
  ERANGE(0x22, "Value out of range", "invalid-input"),
  ROLLBACK(0x23, "Rollback required", "special-handling"),
  EACCESS(0x24, "No access", "auth"),
  NOT_INITIALIZED(0x25, "Connection not initialized", "conn-state-invalidated", "auth"),
  UNKNOWN_FRAME_INFO(0x80, "Unknown frame info", "invalid-input"),
  UNKNOWN_COMMAND(0x81, "Unknown command", "support"),
  ENOMEM(0x82, "Out of memory", "temp", "retry-later"),
  NOT_SUPPORTED(0x83, "Not supported", "support"),
  EINTERNAL(0x84, "Internal error", "internal"),
  EBUSY(0x85, "Server busy", "temp", "retry-later"),
  ETMPFAIL(0x86, "Temporary failure", "temp", "retry-later");

  private static final Status[] BY_CODE = new Status[256];

  static {
    for (Status s : values()) {
      BY_CODE[s.code] = s;
    }
  }

  private final int code;
  private final String description;
  private final List<String> errorMapAttributes;

  Status(int code, String description, String... errorMapAttributes) {
    this.code = code;
    this.description = description;
    this.errorMapAttributes = List.of(errorMapAttributes);
  }

  public int code() {
    return code;
  }

  public String description() {
    return description;
  }

  public List<String> errorMapAttributes() {
    return errorMapAttributes;
  }

  public boolean isSuccess() {
    return this == SUCCESS;
  }

  /** Returns the status for a wire code, or null for a code Settee never sends. */
  public static Status of(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /**
   * The status a client that did not negotiate XERROR gets instead of this one (kv_engine's
   * remapping): newer codes fold into the classic ones rather than surprising an old client.
   */
  public Status withoutXerror() {
    return switch (this) {
      case LOCKED -> KEY_EEXISTS;
      case NOT_LOCKED -> ETMPFAIL;
      default -> this;
    };
  }
}
