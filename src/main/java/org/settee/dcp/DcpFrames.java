package org.settee.dcp;

import io.netty.buffer.ByteBuf;
import org.settee.kv.Item;
import org.settee.protocol.Datatype;
import org.settee.protocol.Magic;
import org.settee.protocol.Opcode;

/**
 * Writes the requests a DCP producer sends (magic 0x80, like a client's): snapshot markers, items,
 * stream ends and noops. Each method returns the frame's size, which flow control counts.
 *
 * <pre>
 *   SNAPSHOT_MARKER (V1)  extras 20: start u64 | end u64 | flags u32
 *   MUTATION              extras 31: by-seqno u64 | rev-seqno u64 | flags u32 | expiry u32 |
 *                                    lock time u32 (0) | nmeta u16 (0) | nru u8 (0)
 *   DELETION V1           extras 18: by-seqno u64 | rev-seqno u64 | nmeta u16 (0)
 *   DELETION V2           extras 21: by-seqno u64 | rev-seqno u64 | delete time u32 | 1 unused byte
 *   EXPIRATION            extras 20: by-seqno u64 | rev-seqno u64 | delete time u32
 *   STREAM_END            extras 4:  reason u32
 *   NOOP                  no body
 * </pre>
 */
final class DcpFrames {
  static final int HEADER = 24;
  static final int MARKER_MEMORY = 0x01;
  static final int MARKER_DISK = 0x02;
  static final int MARKER_CHECKPOINT = 0x04;

  private DcpFrames() {}

  private static void header(
      ByteBuf out,
      Opcode opcode,
      int vb,
      int opaque,
      long cas,
      int datatype,
      int extras,
      int key,
      int value) {
    out.writeByte(Magic.CLIENT_REQUEST.code());
    out.writeByte(opcode.code());
    out.writeShort(key);
    out.writeByte(extras);
    out.writeByte(datatype);
    out.writeShort(vb);
    out.writeInt(extras + key + value);
    out.writeInt(opaque);
    out.writeLong(cas);
  }

  static int snapshotMarker(ByteBuf out, int vb, int opaque, long start, long end, int flags) {
    header(out, Opcode.DCP_SNAPSHOT_MARKER, vb, opaque, 0, Datatype.RAW, 20, 0, 0);
    out.writeLong(start);
    out.writeLong(end);
    out.writeInt(flags);
    return HEADER + 20;
  }

  /**
   * @param withValue false for connections opened with "no value"
   * @param datatype the datatype to announce (already masked to what the connection may see)
   */
  static int mutation(ByteBuf out, int vb, int opaque, Item item, boolean withValue, int datatype) {
    int valueLength = withValue ? item.valueLength() : 0;
    header(
        out,
        Opcode.DCP_MUTATION,
        vb,
        opaque,
        item.cas(),
        datatype,
        31,
        item.keyLength(),
        valueLength);
    out.writeLong(item.bySeqno());
    out.writeLong(item.revSeqno());
    out.writeInt(item.flags());
    out.writeInt((int) item.expiry());
    out.writeInt(0);
    out.writeShort(0);
    out.writeByte(0);
    item.writeKey(out);
    if (withValue) {
      item.writeValue(out);
    }
    return HEADER + 31 + item.keyLength() + valueLength;
  }

  /**
   * A deletion, or an expiry for a connection that did not ask for expirations. With delete times
   * (V2) the tombstone's deletion time goes along, which Settee keeps in its expiry.
   */
  static int deletion(ByteBuf out, int vb, int opaque, Item item, boolean withDeleteTime) {
    int extras = withDeleteTime ? 21 : 18;
    header(
        out,
        Opcode.DCP_DELETION,
        vb,
        opaque,
        item.cas(),
        Datatype.RAW,
        extras,
        item.keyLength(),
        0);
    out.writeLong(item.bySeqno());
    out.writeLong(item.revSeqno());
    if (withDeleteTime) {
      out.writeInt((int) item.expiry());
      out.writeByte(0);
    } else {
      out.writeShort(0);
    }
    item.writeKey(out);
    return HEADER + extras + item.keyLength();
  }

  /**
   * A tombstone an expiry left, for a connection that enabled the expiry opcode (which needs delete
   * times, so the deletion time always goes along).
   */
  static int expiration(ByteBuf out, int vb, int opaque, Item item) {
    header(
        out, Opcode.DCP_EXPIRATION, vb, opaque, item.cas(), Datatype.RAW, 20, item.keyLength(), 0);
    out.writeLong(item.bySeqno());
    out.writeLong(item.revSeqno());
    out.writeInt((int) item.expiry());
    item.writeKey(out);
    return HEADER + 20 + item.keyLength();
  }

  static int streamEnd(ByteBuf out, int vb, int opaque, StreamEndReason reason) {
    header(out, Opcode.DCP_STREAM_END, vb, opaque, 0, Datatype.RAW, 4, 0, 0);
    out.writeInt(reason.code());
    return HEADER + 4;
  }

  static int noop(ByteBuf out, int opaque) {
    header(out, Opcode.DCP_NOOP, 0, opaque, 0, Datatype.RAW, 0, 0, 0);
    return HEADER;
  }
}
