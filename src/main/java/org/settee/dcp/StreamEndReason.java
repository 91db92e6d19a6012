package org.settee.dcp;

/** Why a DCP stream ended, as sent in STREAM_END. */
public enum StreamEndReason {
  /** The stream reached its end seqno. */
  OK(0),
  /** The client closed the stream (and asked to be told). */
  CLOSED(1),
  /** The vBucket changed state, was flushed or went away: ask the cluster map and re-request. */
  STATE_CHANGED(2),
  /** The connection is going away: never sent. */
  DISCONNECTED(3),
  /** Reading the disk for the stream failed. */
  BACKFILL_FAIL(5);

  private final int code;

  StreamEndReason(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
