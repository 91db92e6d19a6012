package org.settee.command;

import org.settee.kv.Expiry;
import org.settee.kv.KvResult;
import org.settee.protocol.Opcode;
import org.settee.protocol.Status;
import org.settee.util.Clock;

/** TOUCH (new expiry, CAS only) and GAT / GATQ (new expiry, and the document). Extras: expiry. */
final class TouchExecutor implements CommandExecutor {
  private final Clock clock;

  TouchExecutor(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(4);
    cookie.expectNoValue();
    var key = cookie.key();
    long expiry =
        Expiry.toAbsolute(cookie.request().extras().getUnsignedInt(0), clock.currentTimeSeconds());
    KvResult result = cookie.vbucket(key).touch(key, expiry);
    var stats = cookie.bucket().stats();
    stats.touches.increment();
    boolean gat = cookie.request().opcode().loud() == Opcode.GAT;
    if (result.isSuccess()) {
      if (gat) {
        cookie.document(result.item(), result.cas(), false);
      } else {
        cookie.success(result.cas());
      }
      return;
    }
    if (gat && cookie.quiet() && result.status() == Status.KEY_ENOENT) {
      return;
    }
    cookie.error(result.status(), null);
  }
}
