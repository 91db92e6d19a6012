package org.settee.command;

import org.settee.kv.KvResult;
import org.settee.protocol.Status;

/** GET_LOCKED: reads and locks a document; extras: optional lock time in seconds. */
final class GetLockedExecutor implements CommandExecutor {
  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0, 4);
    cookie.expectNoValue();
    var key = cookie.key();
    long seconds =
        cookie.request().extrasLength() == 4 ? cookie.request().extras().getUnsignedInt(0) : 0;
    KvResult result = cookie.vbucket(key).getLocked(key, seconds);
    if (result.isSuccess()) {
      cookie.document(result.item(), result.cas(), false);
      return;
    }
    if (result.status() == Status.LOCKED) {
      cookie.bucket().stats().lockedRefusals.increment();
      // Without XERROR an already-locked document is a temporary failure, as kv_engine says it.
      cookie.error(cookie.connection().xerror() ? Status.LOCKED : Status.ETMPFAIL, null);
      return;
    }
    cookie.error(result.status(), null);
  }
}
