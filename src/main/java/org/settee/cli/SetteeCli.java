package org.settee.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code settee} command line: one launcher, one subcommand per job. */
@Command(
    name = "settee",
    mixinStandardHelpOptions = true,
    versionProvider = SetteeCli.Version.class,
    description = "A distributed document database that speaks Couchbase Server's protocols.",
    subcommands = {
      CommandLine.HelpCommand.class,
      ServerCommand.class,
      BenchCommand.class,
      StorageBenchCommand.class,
      FlusherBenchCommand.class,
      DcpBenchCommand.class,
      CaCommand.class
    })
public final class SetteeCli {
  public static void main(String[] args) {
    System.exit(new CommandLine(new SetteeCli()).execute(args));
  }

  /** Reports the build's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"settee " + org.settee.SetteeVersion.VERSION};
    }
  }
}
