package org.settee.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Settee server in a process of its own (the test's classpath, {@code settee server}), for faults
 * an in-process node cannot have: kill -9 is a real SIGKILL.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern READY =
      Pattern.compile("ready: kv port (\\d+), management port (\\d+)");

  private final Process process;
  private final Path nativeDir;
  private final int kvPort;
  private final int mgmtPort;
  private final List<String> output;

  private ServerProcess(
      Process process, Path nativeDir, int kvPort, int mgmtPort, List<String> output) {
    this.process = process;
    this.nativeDir = nativeDir;
    this.kvPort = kvPort;
    this.mgmtPort = mgmtPort;
    this.output = output;
  }

  /** Starts a server on loopback, ephemeral ports, 64 vBuckets; returns once it is ready. */
  public static ServerProcess start(Path dataDir) throws IOException {
    return start(dataDir, List.of());
  }

  /**
   * As {@link #start(Path)}, the command run through {@code launcher} (a program that runs the rest
   * of its command line, such as {@code nsenter}); the process is then the launcher's, which must
   * exec the server for kill -9 to reach it.
   */
  public static ServerProcess start(Path dataDir, List<String> launcher) throws IOException {
    Path nativeDir = Files.createTempDirectory("settee-native-");
    Process p = launch(dataDir, launcher, nativeDir);
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      List<String> seen = Collections.synchronizedList(new ArrayList<>());
      String line;
      while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
        seen.add(line);
        Matcher m = READY.matcher(line);
        if (m.find()) {
          Thread drain = new Thread(() -> out.lines().forEach(seen::add), "server-log-drain");
          drain.setDaemon(true);
          drain.start();
          return new ServerProcess(
              p, nativeDir, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), seen);
        }
      }
      throw new AssertionError("the server never said it was ready:\n" + String.join("\n", seen));
    } catch (IOException | RuntimeException | AssertionError e) {
      p.destroyForcibly();
      deleteWhenDead(p, nativeDir);
      throw e;
    }
  }

  /** A server that did not start: how it exited and what it printed, a line each. */
  public record Failed(int exitCode, List<String> output) {}

  /**
   * Runs a server that is expected not to start, through {@code launcher} as {@link #start(Path,
   * List)} does, and waits (up to 60 s) for it to exit.
   */
  public static Failed startFailing(Path dataDir, List<String> launcher)
      throws IOException, InterruptedException {
    Path nativeDir = Files.createTempDirectory("settee-native-");
    Process p = launch(dataDir, launcher, nativeDir);
    try {
      // Read apart until the process closes its output, so that it never blocks on a full pipe.
      CompletableFuture<List<String>> output =
          CompletableFuture.supplyAsync(
              () ->
                  new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                      .lines()
                      .toList());
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("the server neither started nor exited within 60 s");
      }
      return new Failed(p.exitValue(), output.join());
    } finally {
      p.destroyForcibly();
      deleteWhenDead(p, nativeDir);
    }
  }

  private static Process launch(Path dataDir, List<String> launcher, Path nativeDir)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(launcher);
    command.addAll(
        List.of(
            java,
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            "org.settee.cli.SetteeCli",
            "server",
            "--data-dir",
            dataDir.toString(),
            "--bind",
            "127.0.0.1",
            "--kv-port",
            "0",
            "--mgmt-port",
            "0",
            "--kv-tls-port",
            "0",
            "--mgmt-tls-port",
            "0",
            "--vbuckets",
            "64"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    // RocksDB copies its native library to a temporary file that only a normal exit deletes: each
    // kill -9 would leave one (about 15 MB) in /tmp. Here it goes to a directory of this process's
    // own, deleted once the process is gone.
    pb.environment().put("ROCKSDB_SHAREDLIB_DIR", nativeDir.toString());
    try {
      return pb.start();
    } catch (IOException e) {
      deleteWhenDead(null, nativeDir);
      throw e;
    }
  }

  public int kvPort() {
    return kvPort;
  }

  public int mgmtPort() {
    return mgmtPort;
  }

  /** SIGKILL: no shutdown hook, no flush, no clean-shutdown mark. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the server process did not die");
    }
    deleteWhenDead(process, nativeDir);
  }

  /**
   * SIGTERM, as a service manager stops a node: the shutdown hook runs the node's ordered stop.
   *
   * @return the exit code
   */
  public int terminate(Duration deadline) throws InterruptedException {
    // Through the handle: Process.destroy() also closes our end of the server's output, and then
    // what it prints while it stops is lost.
    process.toHandle().destroy();
    if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the server did not stop within " + deadline + " of SIGTERM");
    }
    return process.exitValue();
  }

  /**
   * What the server printed so far, a line each. After the process ended, lines may still be on
   * their way from the pipe: {@link #awaitOutput} waits for a line.
   */
  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /** Waits until a printed line contains {@code text}. */
  public boolean awaitOutput(String text, Duration timeout) {
    return EmbeddedNode.await(timeout, () -> output().stream().anyMatch(l -> l.contains(text)));
  }

  @Override
  public void close() {
    process.destroyForcibly();
    deleteWhenDead(process, nativeDir);
  }

  private static void deleteWhenDead(Process p, Path dir) {
    try {
      if ((p != null && !p.waitFor(10, TimeUnit.SECONDS)) || !Files.exists(dir)) {
        return; // still mapped by a live process (leave it), or gone already
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
