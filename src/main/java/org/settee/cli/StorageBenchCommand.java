package org.settee.cli;

import java.util.concurrent.Callable;
import org.settee.bench.StorageBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code settee bench-storage}: flusher, warmup and memory-per-item figures, in-process. */
@Command(
    name = "bench-storage",
    mixinStandardHelpOptions = true,
    description =
        "Measures persistence (items/s until on disk), warmup (items/s) and memory per item"
            + " beyond key and value, on a temporary node.")
final class StorageBenchCommand implements Callable<Integer> {
  @Mixin ItemLoadOptions load = new ItemLoadOptions();

  @Override
  public Integer call() throws Exception {
    new StorageBench(load.items, load.valueSize, System.out).run();
    return 0;
  }
}
