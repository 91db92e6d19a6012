package org.settee.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The whole machine's busy CPU time, read from Linux's {@code /proc/stat}: what every process (the
 * server, this load generator) and the kernel's network work cost together. It shows whether a run
 * was CPU-bound (how many cores were busy); when all were, the busy time per operation is about
 * cores / throughput, no steadier than ops/s (docs/benchmarks.md).
 */
final class MachineCpu {
  static final Path PROC_STAT = Path.of("/proc/stat");

  /** {@code /proc} counts CPU time in USER_HZ ticks, 1/100 s on every Linux the JVM runs on. */
  static final long NANOS_PER_TICK = 10_000_000L;

  /** Not known: not Linux, or {@code /proc/stat} unreadable. */
  static final long UNKNOWN = -1;

  private MachineCpu() {}

  /** Busy nanoseconds of all cores since boot, or {@link #UNKNOWN}. */
  static long busyNanos() {
    try {
      String first = Files.readAllLines(PROC_STAT).get(0);
      return parseBusyNanos(first);
    } catch (IOException
        | UncheckedIOException
        | IndexOutOfBoundsException
        | IllegalArgumentException e) {
      return UNKNOWN; // unreadable, or a format this does not know: no figure beats a wrong one
    }
  }

  /**
   * The busy time in the aggregate line of {@code /proc/stat} ({@code cpu user nice system idle
   * iowait irq softirq steal ...}): user, nice, system, irq and softirq. Idle and iowait are not
   * work; steal is another guest's.
   *
   * @throws IllegalArgumentException when the line is not the aggregate CPU line
   */
  static long parseBusyNanos(String cpuLine) {
    String[] f = cpuLine.trim().split("\\s+");
    if (f.length < 8 || !f[0].equals("cpu")) {
      throw new IllegalArgumentException("not the aggregate cpu line of /proc/stat: " + cpuLine);
    }
    try {
      long ticks = 0;
      for (int i : new int[] {1, 2, 3, 6, 7}) {
        ticks = Math.addExact(ticks, Long.parseLong(f[i]));
      }
      return Math.multiplyExact(ticks, NANOS_PER_TICK);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("bad counter in /proc/stat: " + cpuLine, e);
    }
  }
}
