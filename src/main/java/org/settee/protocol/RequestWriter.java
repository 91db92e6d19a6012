package org.settee.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes client request frames (magic 0x80), the client side of the codec: used by {@code settee
 * bench} and by tests that talk to a server over a raw socket. Static helpers like {@link
 * Response}: a request is written straight into the connection's output buffer.
 *
 * <p>Key-based requests carry the key's vBucket in header bytes 6-7; non-key requests (SASL,
 * SELECT_BUCKET, HELLO) carry 0 there.
 */
public final class RequestWriter {
  private static final byte[] EMPTY = new byte[0];
  private static final byte[] PLAIN = "PLAIN".getBytes(StandardCharsets.UTF_8);

  /** SET extras: flags u32, expiry u32. */
  public static final int SET_EXTRAS_LENGTH = 8;

  private RequestWriter() {}

  /** Writes a request whose extras, key and value are byte arrays (any may be empty). */
  public static void write(
      ByteBuf out,
      Opcode op,
      int vbucket,
      int opaque,
      long cas,
      byte[] extras,
      byte[] key,
      byte[] value) {
    write(out, op.code(), Datatype.RAW, vbucket, opaque, cas, extras, key, value);
  }

  /**
   * Writes a request with a raw opcode byte and datatype, for opcodes Settee does not name and for
   * tests that send what a well-behaved client would not.
   */
  public static void write(
      ByteBuf out,
      int opcode,
      int datatype,
      int vbucket,
      int opaque,
      long cas,
      byte[] extras,
      byte[] key,
      byte[] value) {
    writeHeader(
        out, opcode, datatype, vbucket, opaque, cas, extras.length, key.length, value.length);
    out.writeBytes(extras);
    out.writeBytes(key);
    out.writeBytes(value);
  }

  /**
   * Writes the header only; the caller writes exactly the announced extras, key and value next.
   * Lets a hot path write a key from a reused scratch array without copying it first.
   *
   * @throws IllegalArgumentException for a key longer than the classic header's u16 length or
   *     extras longer than the u8 length
   */
  public static void writeHeader(
      ByteBuf out,
      int opcode,
      int datatype,
      int vbucket,
      int opaque,
      long cas,
      int extrasLength,
      int keyLength,
      int valueLength) {
    if (keyLength > 0xffff || extrasLength > 0xff) {
      throw new IllegalArgumentException(
          "extras length " + extrasLength + " or key length " + keyLength + " does not fit");
    }
    out.writeByte(Magic.CLIENT_REQUEST.code());
    out.writeByte(opcode);
    out.writeShort(keyLength);
    out.writeByte(extrasLength);
    out.writeByte(datatype);
    out.writeShort(vbucket);
    out.writeInt(extrasLength + keyLength + valueLength);
    out.writeInt(opaque);
    out.writeLong(cas);
  }

  /** Writes a GET. */
  public static void get(ByteBuf out, int vbucket, int opaque, byte[] key) {
    write(out, Opcode.GET, vbucket, opaque, 0, EMPTY, key, EMPTY);
  }

  /** Writes a SET (upsert, or a CAS-checked replace when {@code cas} is not 0). */
  public static void set(
      ByteBuf out,
      int vbucket,
      int opaque,
      long cas,
      int flags,
      int expiry,
      byte[] key,
      byte[] value) {
    writeHeader(
        out,
        Opcode.SET.code(),
        Datatype.RAW,
        vbucket,
        opaque,
        cas,
        SET_EXTRAS_LENGTH,
        key.length,
        value.length);
    out.writeInt(flags);
    out.writeInt(expiry);
    out.writeBytes(key);
    out.writeBytes(value);
  }

  /** Writes SASL_AUTH with mechanism PLAIN: value {@code \0user\0password} (empty authzid). */
  public static void saslAuthPlain(ByteBuf out, int opaque, String username, String password) {
    byte[] user = username.getBytes(StandardCharsets.UTF_8);
    byte[] pass = password.getBytes(StandardCharsets.UTF_8);
    byte[] value = new byte[2 + user.length + pass.length];
    System.arraycopy(user, 0, value, 1, user.length);
    System.arraycopy(pass, 0, value, 2 + user.length, pass.length);
    write(out, Opcode.SASL_AUTH, 0, opaque, 0, EMPTY, PLAIN, value);
  }

  /** Writes SELECT_BUCKET: the key is the bucket name. */
  public static void selectBucket(ByteBuf out, int opaque, String bucket) {
    write(
        out,
        Opcode.SELECT_BUCKET,
        0,
        opaque,
        0,
        EMPTY,
        bucket.getBytes(StandardCharsets.UTF_8),
        EMPTY);
  }

  /** Writes HELLO: the key names the client, the value lists the asked features as u16 codes. */
  public static void hello(ByteBuf out, int opaque, String agent, Feature... features) {
    byte[] value = new byte[2 * features.length];
    for (int i = 0; i < features.length; i++) {
      value[2 * i] = (byte) (features[i].code() >>> 8);
      value[2 * i + 1] = (byte) features[i].code();
    }
    write(out, Opcode.HELLO, 0, opaque, 0, EMPTY, agent.getBytes(StandardCharsets.UTF_8), value);
  }
}
