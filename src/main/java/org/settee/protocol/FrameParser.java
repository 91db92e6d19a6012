package org.settee.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Cuts client frames out of a byte stream. Pure: no I/O, no state beyond its limit, so it can be
 * fuzzed. Every length on the wire is checked against the frame before it is trusted.
 */
public final class FrameParser {
  private FrameParser() {}

  /**
   * Parses one frame from {@code in} if a whole one is readable.
   *
   * @param maxBodyLength frames whose total body is longer are refused before they are buffered
   * @return the request (its frame a retained slice of {@code in}, which is advanced past it), or
   *     null when more bytes are needed (nothing consumed)
   * @throws MalformedFrameException for a wrong magic, inconsistent lengths or an oversized body
   */
  public static Request parse(ByteBuf in, int maxBodyLength) {
    if (in.readableBytes() < HeaderLayout.HEADER_LENGTH) {
      return null;
    }
    int start = in.readerIndex();
    int magicByte = in.getUnsignedByte(start + HeaderLayout.MAGIC);
    Magic magic = Magic.ofRequestByte(magicByte);
    if (magic == null) {
      throw new MalformedFrameException(String.format("invalid magic 0x%02x", magicByte));
    }
    long totalBody = in.getUnsignedInt(start + HeaderLayout.TOTAL_BODY_LENGTH);
    if (totalBody > maxBodyLength || totalBody > Integer.MAX_VALUE - HeaderLayout.HEADER_LENGTH) {
      throw new MalformedFrameException(
          "frame body of " + totalBody + " bytes is over the limit of " + maxBodyLength);
    }
    int framingLength;
    int keyLength;
    if (magic == Magic.ALT_CLIENT_REQUEST) {
      framingLength = in.getUnsignedByte(start + HeaderLayout.FRAMING_EXTRAS_LENGTH);
      keyLength = in.getUnsignedByte(start + HeaderLayout.ALT_KEY_LENGTH);
    } else {
      framingLength = 0;
      keyLength = in.getUnsignedShort(start + HeaderLayout.KEY_LENGTH);
    }
    int extrasLength = in.getUnsignedByte(start + HeaderLayout.EXTRAS_LENGTH);
    long valueLength = totalBody - framingLength - extrasLength - keyLength;
    if (valueLength < 0) {
      throw new MalformedFrameException(
          "lengths disagree: framing extras "
              + framingLength
              + " + extras "
              + extrasLength
              + " + key "
              + keyLength
              + " > body "
              + totalBody);
    }
    int frameLength = HeaderLayout.HEADER_LENGTH + (int) totalBody;
    if (in.readableBytes() < frameLength) {
      return null;
    }
    ByteBuf frame = in.retainedSlice(start, frameLength);
    in.skipBytes(frameLength);
    return new Request(
        frame,
        magic,
        in.getUnsignedByte(start + HeaderLayout.OPCODE),
        framingLength,
        extrasLength,
        keyLength,
        (int) valueLength);
  }
}
