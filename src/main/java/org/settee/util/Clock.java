package org.settee.util;

/**
 * The source of time for everything that expires: items, locks, deadlines. Injected so that tests
 * drive time instead of sleeping.
 */
public interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  long currentTimeMillis();

  /** Monotonic nanoseconds, for durations. */
  long nanoTime();

  /** Wall-clock seconds since the Unix epoch (expiry times are absolute Unix seconds). */
  default long currentTimeSeconds() {
    return currentTimeMillis() / 1000;
  }

  /** The system clock. */
  Clock SYSTEM =
      new Clock() {
        @Override
        public long currentTimeMillis() {
          return System.currentTimeMillis();
        }

        @Override
        public long nanoTime() {
          return System.nanoTime();
        }
      };
}
