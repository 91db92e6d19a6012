package org.settee.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * CPU time of this process's threads, grouped, from Linux's {@code /proc/self/task}: what the
 * storage threads (the flusher, RocksDB's flush and compaction threads) spend, which no Java API
 * reports for native threads.
 */
final class ThreadCpu {
  static final Path TASKS = Path.of("/proc/self/task");

  private ThreadCpu() {}

  /**
   * CPU nanoseconds (user + system) of the live threads, summed by group.
   *
   * @param group a thread's group from its name, or null to leave it out
   * @throws UncheckedIOException when {@code /proc/self/task} cannot be read (not Linux)
   */
  static Map<String, Long> byGroup(Function<String, String> group) {
    Map<String, Long> nanos = new TreeMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (NoSuchFileException gone) {
          continue; // the thread ended meanwhile
        } catch (IOException ended) {
          continue; // ended while its file was read (ESRCH): its time is gone with it
        }
        String name = nameOf(stat);
        String g = group.apply(name);
        if (g != null) {
          nanos.merge(g, cpuNanosOf(stat), Long::sum);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + TASKS + " (Linux only)", e);
    }
    return nanos;
  }

  /** The thread name in a {@code stat} line: between the first '(' and the last ')'. */
  static String nameOf(String stat) {
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    if (open < 0 || close < open) {
      throw new IllegalArgumentException("not a /proc stat line: " + stat);
    }
    return stat.substring(open + 1, close);
  }

  /** utime + stime of a {@code stat} line (fields 14 and 15), in nanoseconds. */
  static long cpuNanosOf(String stat) {
    // The name may hold spaces and parentheses: count fields from after its closing ')'.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    if (f.length < 13) {
      throw new IllegalArgumentException("short /proc stat line: " + stat);
    }
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * MachineCpu.NANOS_PER_TICK;
  }
}
