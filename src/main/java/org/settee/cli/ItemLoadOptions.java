package org.settee.cli;

import picocli.CommandLine.Option;

/** The load the in-process benchmarks write: how many items, of what size. */
final class ItemLoadOptions {
  @Option(names = "--items", defaultValue = "1000000", description = "Items [${DEFAULT-VALUE}]")
  int items;

  @Option(
      names = "--value-size",
      defaultValue = "100",
      description = "Bytes per value [${DEFAULT-VALUE}]")
  int valueSize;
}
