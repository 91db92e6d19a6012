package org.settee.bench;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Builds the live progress line the bench prints once a second: the answer rate since the last line
 * and the running totals, read from the connections' published counters.
 */
final class ProgressLine {
  private final List<ConnectionStats> stats;
  private final long startNanos;
  private long lastAnswered;
  private long lastNanos;

  ProgressLine(List<ConnectionStats> stats, long startNanos) {
    this.stats = stats;
    this.startNanos = startNanos;
    this.lastNanos = startNanos;
  }

  /** Every answer so far, populate and warm-up included. */
  long answered() {
    long sum = 0;
    for (ConnectionStats s : stats) {
      sum += s.publishedAnswered();
    }
    return sum;
  }

  /** The line for now; {@code label} names the phase, {@code detail} may add to it (or be ""). */
  String next(String label, String detail, long now) {
    long answered = answered();
    long ops = 0;
    long errors = 0;
    for (ConnectionStats s : stats) {
      ops += s.publishedOps();
      errors += s.publishedErrors();
    }
    double seconds = (now - lastNanos) / 1e9;
    double rate = seconds > 0 ? (answered - lastAnswered) / seconds : 0;
    lastAnswered = answered;
    lastNanos = now;
    String totals =
        label.equals("measuring") || label.equals("draining")
            ? String.format(Locale.ROOT, "  total %,d  errors %,d", ops, errors)
            : "";
    return String.format(
        Locale.ROOT,
        "[%4ds] %-10s %,10.0f ops/s%s%s",
        TimeUnit.NANOSECONDS.toSeconds(now - startNanos),
        label,
        rate,
        totals,
        detail);
  }
}
