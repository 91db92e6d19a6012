package org.settee.cli;

import java.util.concurrent.Callable;
import org.settee.bench.DcpBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code settee bench-dcp}: DCP backfill and memory streaming next to raw storage iteration. */
@Command(
    name = "bench-dcp",
    mixinStandardHelpOptions = true,
    description =
        "Measures DCP throughput on a temporary node: a backfill from disk and a stream from the"
            + " checkpoint logs (items/s, MB/s), next to the raw rate of reading the storage engine.")
final class DcpBenchCommand implements Callable<Integer> {
  @Mixin ItemLoadOptions load = new ItemLoadOptions();

  @Override
  public Integer call() throws Exception {
    new DcpBench(load.items, load.valueSize, System.out).run();
    return 0;
  }
}
