package org.settee.cli;

import java.util.concurrent.Callable;
import org.settee.bench.StorageBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code settee bench-storage}: flusher, warmup and memory-per-item figures, in-process. */
@Command(
    name = "bench-storage",
    mixinStandardHelpOptions = true,
    description =
        "Measures persistence (items/s until on disk), warmup (items/s) and memory per item"
            + " beyond key and value, on a temporary node.")
final class StorageBenchCommand implements Callable<Integer> {
  @Option(names = "--items", defaultValue = "1000000", description = "Items [${DEFAULT-VALUE}]")
  int items;

  @Option(
      names = "--value-size",
      defaultValue = "100",
      description = "Bytes per value [${DEFAULT-VALUE}]")
  int valueSize;

  @Override
  public Integer call() throws Exception {
    new StorageBench(items, valueSize, System.out).run();
    return 0;
  }
}
