package org.settee.kv;

/** The role a vBucket plays on this node; only ACTIVE vBuckets serve client reads and writes. */
public enum VBucketState {
  /** Owns the data: serves reads and writes. */
  ACTIVE(1),
  /** Holds a copy fed by DCP; serves replica reads only. */
  REPLICA(2),
  /** About to become active during a takeover: requests wait or are refused. */
  PENDING(3),
  /** Not owned here. */
  DEAD(4);

  private final int code;

  VBucketState(int code) {
    this.code = code;
  }

  /** The numeric state as kv_engine reports it (SET_VBUCKET, stats). */
  public int code() {
    return code;
  }

  public String statName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
