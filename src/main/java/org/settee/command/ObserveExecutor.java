package org.settee.command;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.settee.kv.Item;
import org.settee.kv.ItemKey;
import org.settee.kv.KvResult;
import org.settee.kv.VBucket;
import org.settee.kv.VBucketState;
import org.settee.protocol.Status;

/**
 * OBSERVE (legacy durability without mutation tokens): the persistence state of each key.
 *
 * <pre>
 *   request value:   repeated  vb u16 | key length u16 | key
 *   response value:  repeated  vb u16 | key length u16 | key | state u8 | CAS u64
 *   state: 0x00 found, not persisted   0x01 found, persisted
 *          0x80 not found              0x81 deleted, not yet persisted
 * </pre>
 */
final class ObserveExecutor implements CommandExecutor {
  static final int FOUND_NOT_PERSISTED = 0x00;
  static final int FOUND_PERSISTED = 0x01;
  static final int NOT_FOUND = 0x80;
  static final int DELETED_NOT_PERSISTED = 0x81;
  private static final byte[] EMPTY = new byte[0];

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0);
    cookie.expectNoKey();
    ByteBuf in = cookie.request().value();
    ByteBuf out = Unpooled.buffer();
    try {
      while (in.isReadable()) {
        if (in.readableBytes() < 4) {
          throw CommandException.invalid("truncated OBSERVE entry");
        }
        int vbId = in.readUnsignedShort();
        int keyLength = in.readUnsignedShort();
        if (keyLength == 0 || keyLength > Cookie.MAX_KEY_LENGTH || in.readableBytes() < keyLength) {
          throw CommandException.invalid("bad OBSERVE key length " + keyLength);
        }
        byte[] key = new byte[keyLength];
        in.readBytes(key);
        VBucket vb = cookie.bucket().vbucket(vbId);
        if (vb == null || vb.state() != VBucketState.ACTIVE) {
          throw new CommandException(Status.NOT_MY_VBUCKET, null);
        }
        KvResult meta = vb.getMeta(new ItemKey(key));
        int state = NOT_FOUND;
        long cas = 0;
        if (meta.isSuccess()) {
          Item item = meta.item();
          boolean persisted = item.bySeqno() <= vb.persistedSeqno();
          cas = item.cas();
          if (item.deleted()) {
            state = persisted ? NOT_FOUND : DELETED_NOT_PERSISTED;
          } else {
            state = persisted ? FOUND_PERSISTED : FOUND_NOT_PERSISTED;
          }
        }
        out.writeShort(vbId).writeShort(keyLength).writeBytes(key).writeByte(state).writeLong(cas);
      }
      byte[] body = new byte[out.readableBytes()];
      out.readBytes(body);
      cookie.respond(Status.SUCCESS, 0, 0, EMPTY, EMPTY, body);
    } finally {
      out.release();
    }
  }
}
