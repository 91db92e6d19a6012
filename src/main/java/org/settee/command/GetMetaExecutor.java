package org.settee.command;

import java.nio.ByteBuffer;
import org.settee.kv.Item;
import org.settee.kv.KvResult;
import org.settee.protocol.Status;

/**
 * GET_META: metadata of a document, tombstones included.
 *
 * <pre>
 *   response extras: deleted u32 | flags u32 | expiry u32 (absolute) | seqno u64 (revision)
 *                    [| datatype u8, when the request's extras byte was 0x02]
 * </pre>
 */
final class GetMetaExecutor implements CommandExecutor {
  private static final byte[] EMPTY = new byte[0];
  private static final int WANT_DATATYPE = 0x02;

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0, 1);
    cookie.expectNoValue();
    var key = cookie.key();
    boolean withDatatype =
        cookie.request().extrasLength() == 1
            && cookie.request().extras().getUnsignedByte(0) == WANT_DATATYPE;
    KvResult result = cookie.vbucket(key).getMeta(key);
    if (!result.isSuccess()) {
      cookie.error(result.status(), null);
      return;
    }
    Item item = result.item();
    ByteBuffer extras = ByteBuffer.allocate(withDatatype ? 21 : 20);
    extras.putInt(item.deleted() ? 1 : 0);
    extras.putInt(item.flags());
    extras.putInt((int) item.expiry());
    extras.putLong(item.revSeqno());
    if (withDatatype) {
      extras.put((byte) item.datatype());
    }
    cookie.respond(Status.SUCCESS, result.cas(), 0, extras.array(), EMPTY, EMPTY);
  }
}
