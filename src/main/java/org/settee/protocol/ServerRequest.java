package org.settee.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Requests the server sends to clients that negotiated Duplex (magic 0x82). Clients need not
 * answer; their answers (magic 0x83) are ignored.
 *
 * <pre>
 *   ClustermapChangeNotification (opcode 0x01)
 *   extras: revEpoch i64 | rev i64     key: bucket name ("" = global)
 *   value: the configuration (full mode) or nothing (brief mode)
 * </pre>
 */
public final class ServerRequest {
  public static final int CLUSTERMAP_CHANGE_NOTIFICATION = 0x01;

  private ServerRequest() {}

  public static void writeClustermapChangeNotification(
      ByteBuf out, long epoch, long rev, byte[] bucketName, byte[] config, boolean json) {
    out.writeByte(Magic.SERVER_REQUEST.code());
    out.writeByte(CLUSTERMAP_CHANGE_NOTIFICATION);
    out.writeShort(bucketName.length);
    out.writeByte(16);
    out.writeByte(json && config.length > 0 ? Datatype.JSON : Datatype.RAW);
    out.writeShort(0);
    out.writeInt(16 + bucketName.length + config.length);
    out.writeInt(0);
    out.writeLong(0);
    out.writeLong(epoch);
    out.writeLong(rev);
    out.writeBytes(bucketName);
    out.writeBytes(config);
  }
}
