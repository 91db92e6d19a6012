package org.settee.command;

import org.settee.kv.Expiry;
import org.settee.kv.KvResult;
import org.settee.kv.StoreMode;
import org.settee.kv.VBucket;
import org.settee.protocol.Datatype;
import org.settee.protocol.Status;
import org.settee.util.Clock;

/** SET, ADD, REPLACE and their quiet forms. Extras: flags u32, expiry u32. */
final class StoreExecutor implements CommandExecutor {
  private static final byte[] EMPTY = new byte[0];
  private final StoreMode mode;
  private final Clock clock;

  StoreExecutor(StoreMode mode, Clock clock) {
    this.mode = mode;
    this.clock = clock;
  }

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(8);
    if (mode == StoreMode.ADD && cookie.request().cas() != 0) {
      throw CommandException.invalid("ADD takes no CAS");
    }
    var key = cookie.key();
    var extras = cookie.request().extras();
    int flags = extras.getInt(0);
    long expiry = Expiry.toAbsolute(extras.getUnsignedInt(4), clock.currentTimeSeconds());
    byte[] value = cookie.value();
    VBucket vb = cookie.vbucket(key);
    int datatype = Json.isJson(value) ? Datatype.JSON : Datatype.RAW;
    KvResult result =
        vb.store(
            mode,
            key,
            value,
            flags,
            expiry,
            datatype,
            cookie.request().cas(),
            cookie.frameInfos().preserveTtl());
    var stats = cookie.bucket().stats();
    stats.cmdSet.increment();
    if (result.isSuccess()) {
      cookie.mutationSuccess(vb, result.item(), EMPTY);
      return;
    }
    if (result.status() == Status.KEY_EEXISTS && cookie.request().cas() != 0) {
      stats.casMisses.increment();
    }
    cookie.error(result.status(), null);
  }
}
