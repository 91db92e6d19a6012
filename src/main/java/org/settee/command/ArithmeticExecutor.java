package org.settee.command;

import java.nio.ByteBuffer;
import org.settee.kv.KvResult;
import org.settee.kv.VBucket;

/**
 * INCREMENT and DECREMENT (and quiet forms). Extras: delta u64, initial u64, expiry u32; the
 * response value is the new counter as u64.
 */
final class ArithmeticExecutor implements CommandExecutor {
  private final boolean increment;

  ArithmeticExecutor(boolean increment) {
    this.increment = increment;
  }

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(20);
    cookie.expectNoValue();
    var key = cookie.key();
    var extras = cookie.request().extras();
    long delta = extras.getLong(0);
    long initial = extras.getLong(8);
    long expiry = extras.getUnsignedInt(16);
    VBucket vb = cookie.vbucket(key);
    KvResult result = vb.arithmetic(key, increment, delta, initial, expiry, cookie.request().cas());
    var stats = cookie.bucket().stats();
    if (result.isSuccess()) {
      (increment ? stats.incrHits : stats.decrHits).increment();
      long counter =
          Long.parseUnsignedLong(
              new String(result.item().value(), java.nio.charset.StandardCharsets.US_ASCII));
      cookie.mutationSuccess(vb, result.item(), ByteBuffer.allocate(8).putLong(counter).array());
    } else {
      (increment ? stats.incrMisses : stats.decrMisses).increment();
      cookie.error(result.status(), null);
    }
  }
}
