package org.settee.dcp;

import org.settee.protocol.Status;

/**
 * DCP_OPEN's flags. Unknown bits, the retired notifier and PiTR bits, and contradictory
 * combinations are refused with EINVAL, as kv_engine does.
 */
public record OpenFlags(int bits) {
  static final int PRODUCER = 0x01;
  static final int NOTIFIER = 0x02;
  static final int INCLUDE_XATTRS = 0x04;
  static final int NO_VALUE = 0x08;
  static final int INCLUDE_DELETE_TIMES = 0x20;
  static final int NO_VALUE_WITH_DATATYPE = 0x40;
  static final int PITR = 0x80;
  static final int INCLUDE_DELETED_USER_XATTRS = 0x100;
  static final int SKIP_DELETES_IN_BACKFILL = 0x200;
  private static final int KNOWN =
      PRODUCER
          | INCLUDE_XATTRS
          | NO_VALUE
          | INCLUDE_DELETE_TIMES
          | NO_VALUE_WITH_DATATYPE
          | INCLUDE_DELETED_USER_XATTRS
          | SKIP_DELETES_IN_BACKFILL;

  /** Why these flags are refused, or null when they are fine. */
  public String invalidReason() {
    if ((bits & NOTIFIER) != 0) {
      return "the DCP notifier flag (0x02) is no longer supported";
    }
    if ((bits & PITR) != 0) {
      return "point-in-time recovery (0x80) is not supported";
    }
    if ((bits & ~KNOWN) != 0) {
      return String.format("unknown DCP_OPEN flags 0x%x", bits & ~KNOWN);
    }
    if ((bits & NO_VALUE) != 0 && (bits & NO_VALUE_WITH_DATATYPE) != 0) {
      return "no-value (0x08) and no-value-with-datatype (0x40) exclude each other";
    }
    if ((bits & INCLUDE_DELETED_USER_XATTRS) != 0 && (bits & INCLUDE_XATTRS) == 0) {
      return "including deleted user xattrs (0x100) needs include-xattrs (0x04)";
    }
    return null;
  }

  /** A valid request Settee does not serve yet, and the status to say so. */
  public Status unsupported() {
    if (!producer() || (bits & SKIP_DELETES_IN_BACKFILL) != 0) {
      return Status.NOT_SUPPORTED;
    }
    return null;
  }

  public boolean producer() {
    return (bits & PRODUCER) != 0;
  }

  public boolean noValue() {
    return (bits & (NO_VALUE | NO_VALUE_WITH_DATATYPE)) != 0;
  }

  public boolean noValueWithDatatype() {
    return (bits & NO_VALUE_WITH_DATATYPE) != 0;
  }

  public boolean includeDeleteTimes() {
    return (bits & INCLUDE_DELETE_TIMES) != 0;
  }

  public boolean includeXattrs() {
    return (bits & INCLUDE_XATTRS) != 0;
  }

  public boolean includeDeletedUserXattrs() {
    return (bits & INCLUDE_DELETED_USER_XATTRS) != 0;
  }
}
