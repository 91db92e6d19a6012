package org.settee.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.settee.bench.BenchConfig;
import org.settee.bench.BenchFailure;
import org.settee.bench.BenchResult;
import org.settee.bench.BenchRunner;
import org.settee.bench.BenchTls;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code settee bench}: a load generator in the manner of Couchbase's cbc-pillowfight, for Settee
 * or any server speaking the memcached binary protocol (stock memcached included).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Drives a memcached-binary-protocol server with random GETs and SETs and reports"
          + " throughput and latency.",
      "Progress goes to stderr once a second, the summary to stdout.",
      "Against stock memcached: --vbuckets 0 and no --username."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the run finished (error answers are counted in the summary)",
      "1:a connection failed, the server stopped answering or refused the handshake",
      "2:invalid options"
    })
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Server host [${DEFAULT-VALUE}].")
  String host;

  @Option(names = "--port", defaultValue = "11210", description = "KV port [${DEFAULT-VALUE}].")
  int port;

  @Option(
      names = "--connections",
      defaultValue = "4",
      description = "TCP connections, spread over one event loop per core [${DEFAULT-VALUE}].")
  int connections;

  @Option(
      names = "--pipeline",
      defaultValue = "16",
      description = "Requests each connection keeps in flight [${DEFAULT-VALUE}].")
  int pipeline;

  @Option(
      names = "--get-ratio",
      defaultValue = "0.9",
      description = "Share of GETs; the rest are SETs [${DEFAULT-VALUE}].")
  double getRatio;

  @Option(
      names = "--value-size",
      defaultValue = "100",
      description = "Bytes per SET value (random) [${DEFAULT-VALUE}].")
  int valueSize;

  @Option(
      names = "--keys",
      defaultValue = "100000",
      description = "Key space: key-0 .. key-<n-1>, chosen uniformly [${DEFAULT-VALUE}].")
  long keys;

  @Option(
      names = "--duration",
      defaultValue = "10",
      description = "Seconds of timed run, unless --ops is given [${DEFAULT-VALUE}].")
  double durationSeconds;

  @Option(
      names = "--ops",
      description = "Total timed operations over all connections; wins over --duration.")
  Long ops;

  @Option(
      names = "--warmup",
      defaultValue = "2",
      description = "Seconds of unmeasured load before the timed run [${DEFAULT-VALUE}].")
  double warmupSeconds;

  @Option(names = "--username", description = "SASL PLAIN user; without it no authentication.")
  String username;

  @Option(names = "--password", description = "SASL PLAIN password.")
  String password;

  @Option(names = "--bucket", description = "Bucket to select after authentication.")
  String bucket;

  @Option(
      names = "--vbuckets",
      defaultValue = "1024",
      description =
          "vBucket count (a power of two) for the key -> vBucket hash; 0 sends vBucket 0"
              + " [${DEFAULT-VALUE}].")
  int vbuckets;

  @Option(
      names = "--populate",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "SET every key once before the run, so GETs hit (default on).")
  boolean populate;

  @Option(
      names = "--tls",
      description =
          "Speak TLS (1.3 or 1.2) to the server, e.g. Settee's KV TLS port 11207. Without"
              + " --tls-ca any server certificate is accepted, with a warning.")
  boolean tls;

  @Option(
      names = "--tls-ca",
      paramLabel = "<pem file>",
      description =
          "Trust only this CA (PEM; `settee ca` prints a node's) and check the server's name;"
              + " implies --tls.")
  Path tlsCa;

  /** Runs the bench alone, without the rest of the CLI (used from a bare classpath). */
  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchCommand()).execute(args));
  }

  /** The run the options describe. */
  public BenchConfig toConfig() {
    try {
      if (ops != null && ops <= 0) {
        throw new IllegalArgumentException("--ops must be positive, not " + ops);
      }
      return new BenchConfig(
          host,
          port,
          connections,
          pipeline,
          getRatio,
          valueSize,
          keys,
          seconds(durationSeconds, "--duration"),
          ops == null ? 0 : ops,
          username,
          password,
          bucket,
          vbuckets,
          populate,
          seconds(warmupSeconds, "--warmup"),
          tls || tlsCa != null ? new BenchTls(tlsCa) : null);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  @Override
  public Integer call() {
    BenchConfig config = toConfig();
    try {
      BenchResult result = new BenchRunner(config, this::progress).run();
      spec.commandLine().getOut().print(result.format());
      spec.commandLine().getOut().flush();
      return 0;
    } catch (BenchFailure e) {
      spec.commandLine().getErr().println("settee bench: " + e.getMessage());
      spec.commandLine().getErr().flush();
      return 1;
    }
  }

  private void progress(String line) {
    spec.commandLine().getErr().println(line);
    spec.commandLine().getErr().flush();
  }

  private Duration seconds(double seconds, String option) {
    if (!(seconds >= 0) || seconds > Long.MAX_VALUE / 1e9) {
      throw new IllegalArgumentException(option + " must be a number of seconds, not " + seconds);
    }
    return Duration.ofNanos(Math.round(seconds * 1e9));
  }
}
