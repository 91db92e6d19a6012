package org.settee.protocol;

/**
 * Client opcodes Settee knows. A quiet opcode ("...Q") answers only when the outcome is interesting
 * (errors, and hits for gets); {@link #loud()} names its non-quiet twin.
 */
public enum Opcode {
  GET(0x00),
  SET(0x01),
  ADD(0x02),
  REPLACE(0x03),
  DELETE(0x04),
  INCREMENT(0x05),
  DECREMENT(0x06),
  QUIT(0x07),
  FLUSH(0x08),
  GETQ(0x09, GET),
  NOOP(0x0a),
  VERSION(0x0b),
  GETK(0x0c),
  GETKQ(0x0d, GETK),
  APPEND(0x0e),
  PREPEND(0x0f),
  STAT(0x10),
  SETQ(0x11, SET),
  ADDQ(0x12, ADD),
  REPLACEQ(0x13, REPLACE),
  DELETEQ(0x14, DELETE),
  INCREMENTQ(0x15, INCREMENT),
  DECREMENTQ(0x16, DECREMENT),
  QUITQ(0x17, QUIT),
  FLUSHQ(0x18, FLUSH),
  APPENDQ(0x19, APPEND),
  PREPENDQ(0x1a, PREPEND),
  TOUCH(0x1c),
  GAT(0x1d),
  GATQ(0x1e, GAT),
  HELLO(0x1f),
  SASL_LIST_MECHS(0x20),
  SASL_AUTH(0x21),
  SASL_STEP(0x22),
  GET_ALL_VB_SEQNOS(0x48),
  DCP_OPEN(0x50),
  DCP_ADD_STREAM(0x51),
  DCP_CLOSE_STREAM(0x52),
  DCP_STREAM_REQ(0x53),
  DCP_GET_FAILOVER_LOG(0x54),
  DCP_STREAM_END(0x55),
  DCP_SNAPSHOT_MARKER(0x56),
  DCP_MUTATION(0x57),
  DCP_DELETION(0x58),
  DCP_EXPIRATION(0x59),
  DCP_SET_VBUCKET_STATE(0x5b),
  DCP_NOOP(0x5c),
  DCP_BUFFER_ACKNOWLEDGEMENT(0x5d),
  DCP_CONTROL(0x5e),
  SELECT_BUCKET(0x89),
  OBSERVE_SEQNO(0x91),
  OBSERVE(0x92),
  GET_LOCKED(0x94),
  UNLOCK_KEY(0x95),
  GET_META(0xa0),
  GET_CLUSTER_CONFIG(0xb5),
  GET_ERROR_MAP(0xfe);

  private static final Opcode[] BY_CODE = new Opcode[256];

  static {
    for (Opcode op : values()) {
      BY_CODE[op.code] = op;
    }
  }

  private final int code;
  private final Opcode loud;

  Opcode(int code) {
    this.code = code;
    this.loud = null;
  }

  Opcode(int code, Opcode loud) {
    this.code = code;
    this.loud = loud;
  }

  public int code() {
    return code;
  }

  public boolean isQuiet() {
    return loud != null;
  }

  /** The non-quiet form of this opcode (itself when it is not quiet). */
  public Opcode loud() {
    return loud == null ? this : loud;
  }

  /** Returns the opcode for a wire byte, or null when Settee does not know it. */
  public static Opcode of(int code) {
    return BY_CODE[code & 0xff];
  }
}
