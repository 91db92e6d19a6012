package org.settee.cli;

import java.util.concurrent.Callable;
import org.settee.bench.SteadyWriteBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code settee bench-flusher}: the storage threads' CPU per set under a steady write load. */
@Command(
    name = "bench-flusher",
    mixinStandardHelpOptions = true,
    description =
        "Sets at a fixed rate on a temporary node, in-process, and reports the CPU the bucket's"
            + " storage threads (flusher, RocksDB) spend per set.")
final class FlusherBenchCommand implements Callable<Integer> {
  @Option(
      names = "--rate",
      defaultValue = "40000",
      description = "Sets per second [${DEFAULT-VALUE}]")
  int rate;

  @Option(names = "--keys", defaultValue = "100000", description = "Key space [${DEFAULT-VALUE}]")
  int keys;

  @Option(
      names = "--value-size",
      defaultValue = "100",
      description = "Bytes per value [${DEFAULT-VALUE}]")
  int valueSize;

  @Option(
      names = "--warmup",
      defaultValue = "5",
      description = "Seconds of load before the timed phase [${DEFAULT-VALUE}]")
  int warmupSeconds;

  @Option(
      names = "--duration",
      defaultValue = "40",
      description = "Seconds of timed load [${DEFAULT-VALUE}]")
  int seconds;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    require(rate > 0, "--rate must be positive: " + rate);
    require(keys > 0, "--keys must be positive: " + keys);
    require(valueSize >= 0, "--value-size must not be negative: " + valueSize);
    require(warmupSeconds >= 0, "--warmup must not be negative: " + warmupSeconds);
    require(seconds > 0, "--duration must be positive: " + seconds);
    new SteadyWriteBench(rate, keys, valueSize, warmupSeconds, seconds, System.out).run();
    return 0;
  }

  private void require(boolean ok, String message) {
    if (!ok) {
      throw new ParameterException(spec.commandLine(), message);
    }
  }
}
