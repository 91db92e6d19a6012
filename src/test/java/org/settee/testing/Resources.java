package org.settee.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The process's open file descriptors and live threads at one moment: a baseline that work which
 * cleans up after itself returns to (Linux: {@code /proc/self/fd}).
 */
public final class Resources {
  /** How long closing connections and ending threads may take to show. */
  private static final Duration SETTLE = Duration.ofSeconds(30);

  private final List<String> fds;
  private final Set<String> threads;

  private Resources(List<String> fds, Set<String> threads) {
    this.fds = fds;
    this.threads = threads;
  }

  public static Resources now() {
    return new Resources(openFiles(), liveThreads());
  }

  /**
   * Waits until no more file descriptors and threads are open than at this baseline.
   *
   * @throws AssertionError naming what is still open if that does not happen in time
   */
  public void awaitBack() {
    boolean back =
        EmbeddedNode.await(
            SETTLE,
            () -> openFiles().size() <= fds.size() && liveThreads().size() <= threads.size());
    if (!back) {
      List<String> extraFds = new ArrayList<>(openFiles());
      extraFds.removeAll(fds);
      Set<String> extraThreads = liveThreads();
      extraThreads.removeAll(threads);
      throw new AssertionError(
          "not back to the baseline of "
              + fds.size()
              + " file descriptors and "
              + threads.size()
              + " threads within "
              + SETTLE
              + ": now "
              + openFiles().size()
              + " and "
              + liveThreads().size()
              + "; new files "
              + extraFds
              + ", new threads "
              + extraThreads);
    }
  }

  private static List<String> openFiles() {
    Path dir = Path.of("/proc/self/fd");
    try (Stream<Path> entries = Files.list(dir)) {
      List<String> targets = new ArrayList<>();
      for (Path fd : entries.toList()) {
        try {
          targets.add(Files.readSymbolicLink(fd).toString());
        } catch (IOException closedMeanwhile) {
          // the descriptor closed between the listing and the read: not open
        }
      }
      return targets;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  /** Names with ids, so that two threads of one name count twice. */
  private static Set<String> liveThreads() {
    Set<String> names = new TreeSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive()) {
        names.add(t.getName() + "#" + t.threadId());
      }
    }
    return names;
  }
}
