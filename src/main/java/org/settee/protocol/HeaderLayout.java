package org.settee.protocol;

/**
 * Offsets of the 24-byte memcached binary header. All integers are big-endian.
 *
 * <pre>
 *   Byte/     0       |       1       |       2       |       3       |
 *      /              |               |               |               |
 *     |0 1 2 3 4 5 6 7|0 1 2 3 4 5 6 7|0 1 2 3 4 5 6 7|0 1 2 3 4 5 6 7|
 *     +---------------+---------------+---------------+---------------+
 *    0| magic         | opcode        | key length (classic, u16)     |
 *     |               |               | framing len   | key length    |  (flexible: magic 0x08/0x18)
 *     +---------------+---------------+---------------+---------------+
 *    4| extras length | datatype      | vBucket (request) / status    |
 *     +---------------+---------------+---------------+---------------+
 *    8| total body length (framing extras + extras + key + value)     |
 *     +---------------+---------------+---------------+---------------+
 *   12| opaque (echoed in the response)                               |
 *     +---------------+---------------+---------------+---------------+
 *   16| CAS                                                           |
 *     |                                                               |
 *     +---------------+---------------+---------------+---------------+
 *   24  framing extras | extras | key | value
 * </pre>
 */
public final class HeaderLayout {
  public static final int HEADER_LENGTH = 24;
  public static final int MAGIC = 0;
  public static final int OPCODE = 1;
  public static final int KEY_LENGTH = 2;

  /** Flexible framing only: the framing extras length takes byte 2 ... */
  public static final int FRAMING_EXTRAS_LENGTH = 2;

  /** ... and the key length shrinks to byte 3. */
  public static final int ALT_KEY_LENGTH = 3;

  public static final int EXTRAS_LENGTH = 4;
  public static final int DATATYPE = 5;
  public static final int VBUCKET = 6;
  public static final int STATUS = 6;
  public static final int TOTAL_BODY_LENGTH = 8;
  public static final int OPAQUE = 12;
  public static final int CAS = 16;

  private HeaderLayout() {}
}
