package org.settee.protocol;

/** The first byte of every memcached binary frame: who sent it and which header layout it uses. */
public enum Magic {
  /** Client request, classic header (16-bit key length). */
  CLIENT_REQUEST(0x80),
  /**
   * Response, classic header: the server's answers, and a DCP client's answers to the producer's
   * requests (noops, stream messages it refuses).
   */
  CLIENT_RESPONSE(0x81),
  /** Client request with flexible framing extras (8-bit framing length, 8-bit key length). */
  ALT_CLIENT_REQUEST(0x08),
  /** Server response with flexible framing extras. */
  ALT_CLIENT_RESPONSE(0x18),
  /** Server-initiated request on a duplex connection (cluster map change notification). */
  SERVER_REQUEST(0x82),
  /** A client's answer to a server-initiated request. */
  SERVER_RESPONSE(0x83);

  private final int code;

  Magic(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** Returns the magic for a byte, or null if the byte is not a magic a server accepts. */
  public static Magic ofRequestByte(int b) {
    return switch (b & 0xff) {
      case 0x80 -> CLIENT_REQUEST;
      case 0x81 -> CLIENT_RESPONSE;
      case 0x08 -> ALT_CLIENT_REQUEST;
      case 0x83 -> SERVER_RESPONSE;
      default -> null;
    };
  }
}
