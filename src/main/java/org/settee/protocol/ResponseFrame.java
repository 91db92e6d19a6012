package org.settee.protocol;

import io.netty.buffer.ByteBuf;

/**
 * One response a server sent (magic 0x81, or 0x18 with framing extras), as a client sees it: the
 * client side of the codec, used by {@code settee bench} and by raw-socket tests. Every section is
 * copied out, so a frame outlives the buffer it was parsed from. Hot paths that only need the
 * header use {@link #readableFrameLength} and read the header fields in place.
 */
public final class ResponseFrame {
  /**
   * Bodies longer than this are refused as garbage rather than buffered: kv_engine drops frames
   * over 30 MB, so no real server sends one.
   */
  public static final int DEFAULT_MAX_BODY_LENGTH = 30 * 1024 * 1024;

  private final Magic magic;
  private final int opcode;
  private final int status;
  private final int datatype;
  private final int opaque;
  private final long cas;
  private final byte[] framingExtras;
  private final byte[] extras;
  private final byte[] key;
  private final byte[] value;

  private ResponseFrame(
      Magic magic,
      int opcode,
      int status,
      int datatype,
      int opaque,
      long cas,
      byte[] framingExtras,
      byte[] extras,
      byte[] key,
      byte[] value) {
    this.magic = magic;
    this.opcode = opcode;
    this.status = status;
    this.datatype = datatype;
    this.opaque = opaque;
    this.cas = cas;
    this.framingExtras = framingExtras;
    this.extras = extras;
    this.key = key;
    this.value = value;
  }

  /**
   * Parses one response from {@code in} if a whole one is readable, with the default body limit.
   *
   * @return the response ({@code in} is advanced past it), or null when more bytes are needed
   *     (nothing consumed)
   * @throws MalformedFrameException for a wrong magic, inconsistent lengths or an oversized body
   */
  public static ResponseFrame parse(ByteBuf in) {
    return parse(in, DEFAULT_MAX_BODY_LENGTH);
  }

  /** As {@link #parse(ByteBuf)}, refusing bodies longer than {@code maxBodyLength}. */
  public static ResponseFrame parse(ByteBuf in, int maxBodyLength) {
    int frameLength = readableFrameLength(in, maxBodyLength);
    if (frameLength < 0) {
      return null;
    }
    int start = in.readerIndex();
    Magic magic = magicOf(in.getUnsignedByte(start + HeaderLayout.MAGIC));
    int framingLength = framingExtrasLength(in, start, magic);
    int extrasLength = in.getUnsignedByte(start + HeaderLayout.EXTRAS_LENGTH);
    int keyLength = keyLength(in, start, magic);
    int valueLength =
        frameLength - HeaderLayout.HEADER_LENGTH - framingLength - extrasLength - keyLength;
    ResponseFrame frame =
        new ResponseFrame(
            magic,
            in.getUnsignedByte(start + HeaderLayout.OPCODE),
            in.getUnsignedShort(start + HeaderLayout.STATUS),
            in.getUnsignedByte(start + HeaderLayout.DATATYPE),
            in.getInt(start + HeaderLayout.OPAQUE),
            in.getLong(start + HeaderLayout.CAS),
            new byte[framingLength],
            new byte[extrasLength],
            new byte[keyLength],
            new byte[valueLength]);
    in.skipBytes(HeaderLayout.HEADER_LENGTH);
    in.readBytes(frame.framingExtras);
    in.readBytes(frame.extras);
    in.readBytes(frame.key);
    in.readBytes(frame.value);
    return frame;
  }

  /**
   * Checks the response header at {@code in}'s reader index without consuming anything.
   *
   * @return the whole frame's length (header included) when all of it is readable, or -1 when more
   *     bytes are needed
   * @throws MalformedFrameException for a wrong magic, inconsistent lengths or a body longer than
   *     {@code maxBodyLength}
   */
  public static int readableFrameLength(ByteBuf in, int maxBodyLength) {
    if (in.readableBytes() < HeaderLayout.HEADER_LENGTH) {
      return -1;
    }
    int start = in.readerIndex();
    int magicByte = in.getUnsignedByte(start + HeaderLayout.MAGIC);
    Magic magic = magicOf(magicByte);
    if (magic == null) {
      throw new MalformedFrameException(
          String.format("invalid response magic 0x%02x (expected 0x81 or 0x18)", magicByte));
    }
    long totalBody = in.getUnsignedInt(start + HeaderLayout.TOTAL_BODY_LENGTH);
    if (totalBody > maxBodyLength || totalBody > Integer.MAX_VALUE - HeaderLayout.HEADER_LENGTH) {
      throw new MalformedFrameException(
          "response body of " + totalBody + " bytes is over the limit of " + maxBodyLength);
    }
    int framingLength = framingExtrasLength(in, start, magic);
    int extrasLength = in.getUnsignedByte(start + HeaderLayout.EXTRAS_LENGTH);
    int keyLength = keyLength(in, start, magic);
    if (framingLength + extrasLength + keyLength > totalBody) {
      throw new MalformedFrameException(
          "response lengths disagree: framing extras "
              + framingLength
              + " + extras "
              + extrasLength
              + " + key "
              + keyLength
              + " > body "
              + totalBody);
    }
    int frameLength = HeaderLayout.HEADER_LENGTH + (int) totalBody;
    return in.readableBytes() < frameLength ? -1 : frameLength;
  }

  private static Magic magicOf(int b) {
    return switch (b) {
      case 0x81 -> Magic.CLIENT_RESPONSE;
      case 0x18 -> Magic.ALT_CLIENT_RESPONSE;
      default -> null;
    };
  }

  private static int framingExtrasLength(ByteBuf in, int start, Magic magic) {
    return magic == Magic.ALT_CLIENT_RESPONSE
        ? in.getUnsignedByte(start + HeaderLayout.FRAMING_EXTRAS_LENGTH)
        : 0;
  }

  private static int keyLength(ByteBuf in, int start, Magic magic) {
    return magic == Magic.ALT_CLIENT_RESPONSE
        ? in.getUnsignedByte(start + HeaderLayout.ALT_KEY_LENGTH)
        : in.getUnsignedShort(start + HeaderLayout.KEY_LENGTH);
  }

  public Magic magic() {
    return magic;
  }

  /** The raw opcode byte (0..255); {@link #opcode()} names it when Settee knows it. */
  public int opcodeByte() {
    return opcode;
  }

  /** The opcode, or null when Settee does not know the byte. */
  public Opcode opcode() {
    return Opcode.of(opcode);
  }

  /** The raw status code (u16); {@link #status()} names it when Settee knows it. */
  public int statusCode() {
    return status;
  }

  /** The status, or null for a code Settee does not know. */
  public Status status() {
    return Status.of(status);
  }

  public boolean isSuccess() {
    return status == Status.SUCCESS.code();
  }

  public int datatype() {
    return datatype;
  }

  public int opaque() {
    return opaque;
  }

  public long cas() {
    return cas;
  }

  /** Framing extras (magic 0x18 only; empty otherwise). The array is the frame's own. */
  public byte[] framingExtras() {
    return framingExtras;
  }

  /** Extras. The array is the frame's own. */
  public byte[] extras() {
    return extras;
  }

  /** Key bytes: keys are binary, never text. The array is the frame's own. */
  public byte[] key() {
    return key;
  }

  /** Value bytes. The array is the frame's own. */
  public byte[] value() {
    return value;
  }

  @Override
  public String toString() {
    Opcode op = opcode();
    Status st = status();
    return "ResponseFrame{opcode="
        + (op == null ? String.format("0x%02x", opcode) : op)
        + ", status="
        + (st == null ? String.format("0x%04x", status) : st)
        + ", opaque="
        + opaque
        + ", cas="
        + cas
        + ", extras="
        + extras.length
        + ", key="
        + key.length
        + ", value="
        + value.length
        + '}';
  }
}
