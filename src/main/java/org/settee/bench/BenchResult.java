package org.settee.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import org.HdrHistogram.Histogram;
import org.settee.protocol.Status;

/**
 * What a bench run measured: counts, throughput and latency of the timed operations (populate and
 * warm-up excluded). {@link #format()} is the summary {@code settee bench} prints.
 *
 * @param ops timed operations answered (every request sent in the timed phase is answered)
 * @param duration from the start of the timed phase to its last answer
 * @param hits GETs answered SUCCESS
 * @param misses GETs answered KEY_ENOENT (not an error: the key space may be sparse)
 * @param errorsByStatus every other non-success answer, counted by raw status code
 * @param populateErrors SETs of the populate phase that did not succeed (not in {@code ops})
 * @param machineCpuNanos the whole machine's busy CPU time over the timed phase, or {@link
 *     MachineCpu#UNKNOWN}
 */
public record BenchResult(
    BenchConfig config,
    String transport,
    long ops,
    Duration duration,
    long gets,
    long sets,
    long hits,
    long misses,
    Map<Integer, Long> errorsByStatus,
    long populateErrors,
    Latency latency,
    long machineCpuNanos) {

  public BenchResult {
    errorsByStatus = Map.copyOf(errorsByStatus);
  }

  /** Latency percentiles of the timed operations, in microseconds. */
  public record Latency(double p50, double p90, double p99, double p999, double max) {
    /** Reads the percentiles of a histogram recorded in nanoseconds. */
    static Latency ofNanos(Histogram h) {
      return new Latency(
          micros(h.getValueAtPercentile(50)),
          micros(h.getValueAtPercentile(90)),
          micros(h.getValueAtPercentile(99)),
          micros(h.getValueAtPercentile(99.9)),
          micros(h.getMaxValue()));
    }

    private static double micros(long nanos) {
      return nanos / 1_000.0;
    }
  }

  /** All non-success answers except GET misses. */
  public long errors() {
    return errorsByStatus.values().stream().mapToLong(Long::longValue).sum();
  }

  public double opsPerSecond() {
    long nanos = duration.toNanos();
    return nanos == 0 ? 0 : ops * 1e9 / nanos;
  }

  /** The machine's busy CPU time per timed operation in microseconds, or NaN when not known. */
  public double machineCpuMicrosPerOp() {
    return machineCpuNanos == MachineCpu.UNKNOWN || ops == 0
        ? Double.NaN
        : machineCpuNanos / 1_000.0 / ops;
  }

  /** The human-readable summary, one figure per line. */
  public String format() {
    StringBuilder b = new StringBuilder();
    line(
        b,
        "target",
        "%s:%d, %d connections x pipeline %d (%s), %s%% gets, %d-byte values, %,d keys",
        config.host(),
        config.port(),
        config.connections(),
        config.pipeline(),
        transport,
        percent(config.getRatio()),
        config.valueSize(),
        config.keys());
    line(b, "ops", "%,d in %.2f s = %,.0f ops/s", ops, duration.toNanos() / 1e9, opsPerSecond());
    line(b, "gets", "%,d (hits %,d, misses %,d)", gets, hits, misses);
    line(b, "sets", "%,d", sets);
    line(b, "errors", "%,d%s", errors(), errorDetail());
    if (populateErrors > 0) {
      line(b, "populate", "%,d SETs failed before the timed run", populateErrors);
    }
    line(
        b,
        "latency us",
        "p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f",
        latency.p50(),
        latency.p90(),
        latency.p99(),
        latency.p999(),
        latency.max());
    if (!Double.isNaN(machineCpuMicrosPerOp())) {
      long nanos = duration.toNanos();
      line(
          b,
          "machine cpu",
          "%.2f us per op, %.2f cores busy (all processes and the kernel)",
          machineCpuMicrosPerOp(),
          nanos == 0 ? 0.0 : (double) machineCpuNanos / nanos);
    }
    return b.toString();
  }

  private String errorDetail() {
    if (errorsByStatus.isEmpty()) {
      return "";
    }
    StringJoiner j = new StringJoiner(", ", " (", ")");
    errorsByStatus.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              Status s = Status.of(e.getKey());
              String name = s == null ? "status" : s.name();
              j.add(String.format(Locale.ROOT, "%s 0x%02x: %,d", name, e.getKey(), e.getValue()));
            });
    return j.toString();
  }

  private static String percent(double ratio) {
    double p = ratio * 100;
    return p == Math.rint(p)
        ? String.format(Locale.ROOT, "%.0f", p)
        : String.format(Locale.ROOT, "%.1f", p);
  }

  private static void line(StringBuilder b, String label, String format, Object... args) {
    b.append(String.format(Locale.ROOT, "%-12s", label))
        .append(String.format(Locale.ROOT, format, args))
        .append(System.lineSeparator());
  }
}
