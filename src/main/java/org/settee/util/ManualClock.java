package org.settee.util;

import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to: for tests of expiry and lock timeouts. */
public final class ManualClock implements Clock {
  private final AtomicLong millis;
  private final AtomicLong nanos = new AtomicLong();

  public ManualClock(long startMillis) {
    this.millis = new AtomicLong(startMillis);
  }

  /** Moves time forward. */
  public void advanceMillis(long delta) {
    millis.addAndGet(delta);
    nanos.addAndGet(delta * 1_000_000L);
  }

  public void advanceSeconds(long delta) {
    advanceMillis(delta * 1000L);
  }

  @Override
  public long currentTimeMillis() {
    return millis.get();
  }

  @Override
  public long nanoTime() {
    return nanos.get();
  }
}
