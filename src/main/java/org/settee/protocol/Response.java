package org.settee.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes response frames (magic 0x81). Static helpers rather than objects: a response is written
 * straight into the connection's output buffer on the hot path.
 */
public final class Response {
  private static final byte[] EMPTY = new byte[0];

  private Response() {}

  /** Writes a response whose extras, key and value are byte arrays (any may be empty). */
  public static void write(
      ByteBuf out,
      int opcode,
      Status status,
      int opaque,
      long cas,
      int datatype,
      byte[] extras,
      byte[] key,
      byte[] value) {
    writeHeader(
        out, opcode, status, opaque, cas, datatype, extras.length, key.length, value.length);
    out.writeBytes(extras);
    out.writeBytes(key);
    out.writeBytes(value);
  }

  /** Writes a bodiless response. */
  public static void writeStatus(ByteBuf out, int opcode, Status status, int opaque, long cas) {
    writeHeader(out, opcode, status, opaque, cas, Datatype.RAW, 0, 0, 0);
  }

  /** Writes an error response whose value is a text (or, with XERROR, a JSON context). */
  public static void writeError(
      ByteBuf out, int opcode, Status status, int opaque, boolean xerror, String context) {
    if (context == null || context.isEmpty()) {
      writeStatus(out, opcode, xerror ? status : status.withoutXerror(), opaque, 0);
      return;
    }
    if (xerror) {
      byte[] body =
          ("{\"error\":{\"context\":\"" + jsonEscape(context) + "\"}}")
              .getBytes(StandardCharsets.UTF_8);
      write(out, opcode, status, opaque, 0, Datatype.JSON, EMPTY, EMPTY, body);
    } else {
      byte[] body = context.getBytes(StandardCharsets.UTF_8);
      write(out, opcode, status.withoutXerror(), opaque, 0, Datatype.RAW, EMPTY, EMPTY, body);
    }
  }

  /** Writes the header; the caller writes exactly the announced extras, key and value next. */
  public static void writeHeader(
      ByteBuf out,
      int opcode,
      Status status,
      int opaque,
      long cas,
      int datatype,
      int extrasLength,
      int keyLength,
      int valueLength) {
    out.writeByte(Magic.CLIENT_RESPONSE.code());
    out.writeByte(opcode);
    out.writeShort(keyLength);
    out.writeByte(extrasLength);
    out.writeByte(datatype);
    out.writeShort(status.code());
    out.writeInt(extrasLength + keyLength + valueLength);
    out.writeInt(opaque);
    out.writeLong(cas);
  }

  static String jsonEscape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }
}
