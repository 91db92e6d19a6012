package org.settee.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The frame infos a request carried in its flexible framing extras.
 *
 * <pre>
 *   +--------+--------+-----------------+
 *   | id|len | [esc]  | data (len bytes)|   id 15 = 15 + next byte; len 15 = 15 + next byte
 *   +--------+--------+-----------------+
 * </pre>
 */
public record FrameInfos(boolean barrier, boolean preserveTtl, int durabilityLevel) {
  public static final FrameInfos NONE = new FrameInfos(false, false, 0);

  static final int BARRIER = 0;
  static final int DURABILITY = 1;
  static final int DCP_STREAM_ID = 2;
  static final int IMPERSONATE = 4;
  static final int PRESERVE_TTL = 5;

  /**
   * Parses framing extras.
   *
   * @throws FrameInfoException with the status to answer: UNKNOWN_FRAME_INFO for an id Settee does
   *     not know, EINVAL for a malformed or misplaced one, NOT_SUPPORTED for one it will not honour
   */
  public static FrameInfos parse(ByteBuf in) {
    boolean barrier = false;
    boolean preserveTtl = false;
    int durability = 0;
    while (in.isReadable()) {
      int head = in.readUnsignedByte();
      int id = head >>> 4;
      int length = head & 0x0f;
      if (id == 15) {
        id = 15 + readEscape(in);
      }
      if (length == 15) {
        length = 15 + readEscape(in);
      }
      if (in.readableBytes() < length) {
        throw new FrameInfoException(Status.EINVAL, "frame info " + id + " longer than the frame");
      }
      switch (id) {
        case BARRIER -> {
          expectLength(id, length, 0);
          barrier = true;
        }
        case PRESERVE_TTL -> {
          expectLength(id, length, 0);
          preserveTtl = true;
        }
        case DURABILITY -> {
          if (length != 1 && length != 3) {
            throw new FrameInfoException(
                Status.EINVAL, "durability frame info of length " + length);
          }
          durability = in.getUnsignedByte(in.readerIndex());
          throw new FrameInfoException(
              Status.NOT_SUPPORTED, "synchronous durability (level " + durability + ")");
        }
        case DCP_STREAM_ID ->
            throw new FrameInfoException(Status.EINVAL, "DCP stream id outside a DCP stream");
        case IMPERSONATE ->
            throw new FrameInfoException(Status.NOT_SUPPORTED, "impersonation is not supported");
        default -> throw new FrameInfoException(Status.UNKNOWN_FRAME_INFO, "frame info id " + id);
      }
      in.skipBytes(length);
    }
    return barrier || preserveTtl ? new FrameInfos(barrier, preserveTtl, durability) : NONE;
  }

  private static int readEscape(ByteBuf in) {
    if (!in.isReadable()) {
      throw new FrameInfoException(Status.EINVAL, "truncated frame info escape");
    }
    return in.readUnsignedByte();
  }

  private static void expectLength(int id, int length, int expected) {
    if (length != expected) {
      throw new FrameInfoException(
          Status.EINVAL, "frame info " + id + " has length " + length + ", expected " + expected);
    }
  }

  /** A frame info the request cannot be executed with; carries the status to answer. */
  public static final class FrameInfoException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Status status;

    FrameInfoException(Status status, String message) {
      super(message);
      this.status = status;
    }

    public Status status() {
      return status;
    }
  }
}
