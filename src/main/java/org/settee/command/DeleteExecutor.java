package org.settee.command;

import org.settee.kv.KvResult;
import org.settee.kv.VBucket;

/** DELETE and DELETEQ: leaves a tombstone (in couchbase and ephemeral buckets). */
final class DeleteExecutor implements CommandExecutor {
  private static final byte[] EMPTY = new byte[0];

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0);
    cookie.expectNoValue();
    var key = cookie.key();
    VBucket vb = cookie.vbucket(key);
    KvResult result = vb.delete(key, cookie.request().cas());
    var stats = cookie.bucket().stats();
    if (result.isSuccess()) {
      stats.deleteHits.increment();
      cookie.mutationSuccess(vb, result.item(), EMPTY);
    } else {
      stats.deleteMisses.increment();
      cookie.error(result.status(), null);
    }
  }
}
