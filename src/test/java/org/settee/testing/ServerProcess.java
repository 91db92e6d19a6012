package org.settee.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Settee server in a process of its own (the test's classpath, {@code settee server}), for faults
 * an in-process node cannot have: kill -9 is a real SIGKILL.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern READY =
      Pattern.compile("ready: kv port (\\d+), management port (\\d+)");

  private final Process process;
  private final int kvPort;
  private final int mgmtPort;

  private ServerProcess(Process process, int kvPort, int mgmtPort) {
    this.process = process;
    this.kvPort = kvPort;
    this.mgmtPort = mgmtPort;
  }

  /** Starts a server on loopback, ephemeral ports, 64 vBuckets; returns once it is ready. */
  public static ServerProcess start(Path dataDir) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
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
            "64");
    pb.redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p = pb.start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      StringBuilder seen = new StringBuilder();
      String line;
      while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
        seen.append(line).append('\n');
        Matcher m = READY.matcher(line);
        if (m.find()) {
          Thread drain = new Thread(() -> out.lines().forEach(l -> {}), "server-log-drain");
          drain.setDaemon(true);
          drain.start();
          return new ServerProcess(p, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
      }
      throw new AssertionError("the server never said it was ready:\n" + seen);
    } catch (IOException | RuntimeException | AssertionError e) {
      p.destroyForcibly();
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
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
