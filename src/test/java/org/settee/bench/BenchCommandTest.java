package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.settee.cli.BenchCommand;
import picocli.CommandLine;

/** The {@code settee bench} options, their defaults and the exit codes. */
@Timeout(60)
class BenchCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private BenchConfig parse(String... args) {
    BenchCommand command = new BenchCommand();
    new CommandLine(command).parseArgs(args);
    return command.toConfig();
  }

  private int execute(String... args) {
    return new CommandLine(new BenchCommand())
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err))
        .execute(args);
  }

  @Test
  void defaultsAreThePillowfightLikeStandardRun() {
    BenchConfig c = parse();

    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(11210);
    assertThat(c.connections()).isEqualTo(4);
    assertThat(c.pipeline()).isEqualTo(16);
    assertThat(c.getRatio()).isEqualTo(0.9);
    assertThat(c.valueSize()).isEqualTo(100);
    assertThat(c.keys()).isEqualTo(100_000);
    assertThat(c.duration()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.countsOps()).isFalse();
    assertThat(c.warmup()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.vbuckets()).isEqualTo(1024);
    assertThat(c.populate()).isTrue();
    assertThat(c.username()).isNull();
    assertThat(c.password()).isNull();
    assertThat(c.bucket()).isNull();
  }

  @Test
  void opsWinsOverDuration() {
    BenchConfig c = parse("--ops", "5000", "--duration", "1");

    assertThat(c.countsOps()).isTrue();
    assertThat(c.ops()).isEqualTo(5000);
  }

  @Test
  void readsEveryOption() {
    BenchConfig c =
        parse(
            "--host=localhost",
            "--port=1",
            "--connections=3",
            "--pipeline=2",
            "--get-ratio=0.25",
            "--value-size=0",
            "--keys=7",
            "--duration=0.5",
            "--warmup=0",
            "--username=u",
            "--password=p",
            "--bucket=b",
            "--vbuckets=0",
            "--no-populate");

    assertThat(c)
        .isEqualTo(
            new BenchConfig(
                "localhost",
                1,
                3,
                2,
                0.25,
                0,
                7,
                Duration.ofMillis(500),
                0,
                "u",
                "p",
                "b",
                0,
                false,
                Duration.ZERO));
  }

  @Test
  void invalidOptionsExitWithTwoAndSayWhy() {
    assertThat(execute("--vbuckets", "1000")).isEqualTo(2);
    assertThat(err.toString()).contains("--vbuckets must be 0 or a power of two");

    assertThat(execute("--get-ratio", "1.5")).isEqualTo(2);
    assertThat(execute("--ops", "0")).isEqualTo(2);
    assertThat(execute("--password", "secret")).isEqualTo(2);
    assertThat(err.toString()).contains("--password needs --username");
    assertThat(execute("--duration", "0")).isEqualTo(2);
  }

  @Test
  void aRefusedConnectionExitsWithOneAndSaysWhere() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }

    assertThat(execute("--port", Integer.toString(port), "--ops", "10")).isEqualTo(1);
    assertThat(err.toString()).contains("settee bench: cannot connect to 127.0.0.1:" + port);
    assertThat(out.toString()).isEmpty();
  }
}
