package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.settee.cli.BenchCommand;
import picocli.CommandLine;

/**
 * Runs {@code settee bench} against stock memcached: the bench must speak the protocol well enough
 * for the reference server, with no errors. memcached comes from PATH (scripts/test installs it
 * through scripts/install-memcached) and runs on a free port of 127.0.0.1 for the duration of this
 * class.
 */
@Timeout(120)
class BenchAgainstMemcachedIT {
  private static Process memcached;
  private static Path log;
  private static int port;

  @BeforeAll
  static void startMemcached() throws Exception {
    Path binary = findOnPath("memcached");
    assertThat(binary)
        .as("memcached is not on PATH: run scripts/install-memcached (scripts/test does)")
        .isNotNull();
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "-p",
                Integer.toString(port),
                "-U",
                "0",
                "-l",
                "127.0.0.1",
                "-t",
                "2",
                "-m",
                "64"));
    if ("root".equals(System.getProperty("user.name"))) {
      command.addAll(List.of("-u", "root")); // memcached refuses to run as root without it
    }
    log = Files.createTempFile("memcached-it", ".log");
    memcached =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    awaitListening(Duration.ofSeconds(10));
  }

  @AfterAll
  static void stopMemcached() throws InterruptedException {
    if (memcached == null) {
      return;
    }
    memcached.destroy(); // SIGTERM to the one process this class started
    if (!memcached.waitFor(10, TimeUnit.SECONDS)) {
      memcached.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      // A temp file left behind is harmless.
    }
  }

  private static Path findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static void awaitListening(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!memcached.isAlive()) {
        throw new AssertionError(
            "memcached exited with status " + memcached.exitValue() + ": " + Files.readString(log));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("memcached did not listen on port " + port + " in " + timeout);
        }
        Thread.sleep(50);
      }
    }
  }

  private BenchConfig config(long ops) {
    return new BenchConfig(
        "127.0.0.1",
        port,
        2,
        8,
        0.9,
        100,
        1_000,
        Duration.ofSeconds(1),
        ops,
        null,
        null,
        null,
        0,
        true,
        Duration.ZERO);
  }

  @Test
  void completesEveryOperationWithoutErrors() {
    BenchResult result = new BenchRunner(config(5_000), line -> {}).run();

    assertThat(result.ops()).isEqualTo(5_000);
    assertThat(result.gets() + result.sets()).isEqualTo(5_000);
    assertThat(result.errors()).isZero();
    assertThat(result.populateErrors()).isZero();
    assertThat(result.hits()).isPositive();
    assertThat(result.misses()).as("every key was populated").isZero();
    assertThat(result.opsPerSecond()).isPositive();
  }

  @Test
  void theCommandLinePrintsTheSummaryAndExitsWithZero() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int exit =
        new CommandLine(new BenchCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(
                "--port",
                Integer.toString(port),
                "--vbuckets",
                "0",
                "--ops",
                "3000",
                "--keys",
                "500",
                "--warmup",
                "0.5",
                "--connections",
                "3",
                "--pipeline",
                "4");

    assertThat(exit).as("stderr: %s", err).isZero();
    assertThat(out.toString())
        .contains("ops         3,000 in")
        .contains("errors      0")
        .contains("latency us  p50");
    assertThat(err.toString()).contains("populated 500 keys");
  }
}
