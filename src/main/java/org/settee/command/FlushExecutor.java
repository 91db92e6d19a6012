package org.settee.command;

import org.settee.protocol.Status;

/** FLUSH / FLUSHQ: empties the bucket, only when its settings allow flushing. */
final class FlushExecutor implements CommandExecutor {
  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0, 4);
    cookie.expectNoKey();
    cookie.expectNoValue();
    if (cookie.request().extrasLength() == 4 && cookie.request().extras().getInt(0) != 0) {
      throw CommandException.invalid("delayed flush is not supported");
    }
    if (!cookie.bucket().settings().flushEnabled()) {
      throw new CommandException(Status.NOT_SUPPORTED, "flush is disabled for this bucket");
    }
    cookie.bucket().flush();
    cookie.success(0);
  }
}
