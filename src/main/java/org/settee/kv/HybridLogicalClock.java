package org.settee.kv;

import org.settee.util.Clock;

/**
 * Makes CAS values as kv_engine does: wall-clock nanoseconds with the low 16 bits used as a logical
 * counter, so a CAS is unique per item version and never goes backwards, even when the wall clock
 * does. Not thread-safe: each vBucket owns one and calls it under its own lock.
 */
final class HybridLogicalClock {
  private static final long LOGICAL_MASK = 0xffffL;
  private final Clock clock;
  private long last;

  HybridLogicalClock(Clock clock) {
    this.clock = clock;
  }

  /** Makes every later CAS larger than one seen before (warmup of persisted items). */
  void observe(long cas) {
    last = Math.max(last, cas);
  }

  long next() {
    long physical = (clock.currentTimeMillis() * 1_000_000L) & ~LOGICAL_MASK;
    last = Math.max(last + 1, physical);
    return last;
  }
}
