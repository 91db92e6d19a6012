package org.settee.command;

import org.settee.kv.KvResult;
import org.settee.protocol.Status;

/** UNLOCK_KEY: releases a lock; the request's CAS must be the lock's CAS. */
final class UnlockExecutor implements CommandExecutor {
  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0);
    cookie.expectNoValue();
    var key = cookie.key();
    KvResult result = cookie.vbucket(key).unlock(key, cookie.request().cas());
    if (result.isSuccess()) {
      cookie.success(result.cas());
      return;
    }
    Status status = result.status();
    if (!cookie.connection().xerror() && (status == Status.LOCKED || status == Status.NOT_LOCKED)) {
      status = Status.ETMPFAIL;
    }
    cookie.error(status, null);
  }
}
