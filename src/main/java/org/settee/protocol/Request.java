package org.settee.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * One decoded client frame. It holds the frame's bytes (a retained slice of the connection's input)
 * and views of its sections; whoever executes it must {@link #release()} it.
 */
public final class Request {
  private final ByteBuf frame;
  private final Magic magic;
  private final int opcode;
  private final int framingExtrasLength;
  private final int extrasLength;
  private final int keyLength;
  private final int valueLength;
  private final int datatype;
  private final int vbucket;
  private final int opaque;
  private final long cas;

  Request(
      ByteBuf frame,
      Magic magic,
      int opcode,
      int framingExtrasLength,
      int extrasLength,
      int keyLength,
      int valueLength) {
    this.frame = frame;
    this.magic = magic;
    this.opcode = opcode;
    this.framingExtrasLength = framingExtrasLength;
    this.extrasLength = extrasLength;
    this.keyLength = keyLength;
    this.valueLength = valueLength;
    this.datatype = frame.getUnsignedByte(HeaderLayout.DATATYPE);
    this.vbucket = frame.getUnsignedShort(HeaderLayout.VBUCKET);
    this.opaque = frame.getInt(HeaderLayout.OPAQUE);
    this.cas = frame.getLong(HeaderLayout.CAS);
  }

  public Magic magic() {
    return magic;
  }

  /** The raw opcode byte (0..255); {@link Opcode#of(int)} names it when Settee knows it. */
  public int opcodeByte() {
    return opcode;
  }

  public Opcode opcode() {
    return Opcode.of(opcode);
  }

  public int datatype() {
    return datatype;
  }

  public int vbucket() {
    return vbucket;
  }

  public int opaque() {
    return opaque;
  }

  public long cas() {
    return cas;
  }

  public int framingExtrasLength() {
    return framingExtrasLength;
  }

  public int extrasLength() {
    return extrasLength;
  }

  public int keyLength() {
    return keyLength;
  }

  public int valueLength() {
    return valueLength;
  }

  /** Framing extras (flexible framing only), as a view that is valid until release. */
  public ByteBuf framingExtras() {
    return frame.slice(HeaderLayout.HEADER_LENGTH, framingExtrasLength);
  }

  /** Extras, as a view that is valid until release. */
  public ByteBuf extras() {
    return frame.slice(HeaderLayout.HEADER_LENGTH + framingExtrasLength, extrasLength);
  }

  private int keyOffset() {
    return HeaderLayout.HEADER_LENGTH + framingExtrasLength + extrasLength;
  }

  /** A copy of the key bytes: keys are binary, never text. */
  public byte[] key() {
    byte[] key = new byte[keyLength];
    frame.getBytes(keyOffset(), key);
    return key;
  }

  /** The value, as a view that is valid until release. */
  public ByteBuf value() {
    return frame.slice(keyOffset() + keyLength, valueLength);
  }

  /** A copy of the value bytes. */
  public byte[] valueBytes() {
    byte[] value = new byte[valueLength];
    frame.getBytes(keyOffset() + keyLength, value);
    return value;
  }

  /** Releases the frame's bytes; the views handed out before are invalid afterwards. */
  public void release() {
    ReferenceCounted rc = frame;
    rc.release();
  }

  @Override
  public String toString() {
    Opcode op = opcode();
    return "Request{opcode="
        + (op == null ? String.format("0x%02x", opcode) : op)
        + ", opaque="
        + opaque
        + ", vbucket="
        + vbucket
        + ", keyLength="
        + keyLength
        + ", valueLength="
        + valueLength
        + '}';
  }
}
