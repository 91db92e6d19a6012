package org.settee.command;

import org.settee.kv.KvResult;
import org.settee.kv.VBucket;
import org.settee.protocol.Datatype;

/** APPEND and PREPEND (and quiet forms): no extras; the value is the piece to add. */
final class ConcatExecutor implements CommandExecutor {
  private static final byte[] EMPTY = new byte[0];
  private final boolean append;

  ConcatExecutor(boolean append) {
    this.append = append;
  }

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0);
    var key = cookie.key();
    byte[] piece = cookie.value();
    VBucket vb = cookie.vbucket(key);
    KvResult result =
        vb.concat(
            key,
            piece,
            append,
            cookie.request().cas(),
            cookie.maxItemSize(),
            joined -> Json.isJson(joined) ? Datatype.JSON : Datatype.RAW);
    if (result.isSuccess()) {
      cookie.bucket().stats().cmdSet.increment();
      cookie.mutationSuccess(vb, result.item(), EMPTY);
    } else {
      cookie.error(result.status(), null);
    }
  }
}
