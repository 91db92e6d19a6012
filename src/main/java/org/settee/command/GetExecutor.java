package org.settee.command;

import org.settee.kv.KvResult;
import org.settee.protocol.Opcode;
import org.settee.protocol.Status;

/** GET, GETQ, GETK, GETKQ: quiet forms stay silent on a miss; K forms echo the key. */
final class GetExecutor implements CommandExecutor {
  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0);
    cookie.expectNoValue();
    var key = cookie.key();
    var stats = cookie.bucket().stats();
    KvResult result = cookie.vbucket(key).get(key);
    stats.cmdGet.increment();
    boolean withKey = cookie.request().opcode().loud() == Opcode.GETK;
    if (result.isSuccess()) {
      stats.getHits.increment();
      cookie.document(result.item(), result.cas(), withKey);
      return;
    }
    stats.getMisses.increment();
    if (cookie.quiet()) {
      return;
    }
    if (withKey && result.status() == Status.KEY_ENOENT) {
      cookie.errorWithKey(Status.KEY_ENOENT, key.bytes());
    } else {
      cookie.error(result.status(), null);
    }
  }
}
