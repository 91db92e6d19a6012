package org.settee.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.settee.security.CertificateException;
import org.settee.security.PemFiles;
import org.settee.security.PublishedCa;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code settee ca}: prints the cluster's CA certificate as PEM, read from the data directory (no
 * server needs to run), for clients to trust: {@code ./settee ca > ca.pem}.
 */
@Command(
    name = "ca",
    mixinStandardHelpOptions = true,
    description =
        "Prints the cluster CA certificate (PEM) from the data directory, for clients to trust"
            + " (e.g. an SDK's trustCertificate, openssl s_client -CAfile). The node need not"
            + " run.")
final class CaCommand implements Callable<Integer> {
  @Option(
      names = "--data-dir",
      defaultValue = "./data",
      description = "Data directory [${DEFAULT-VALUE}]")
  Path dataDir;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try {
      String pem =
          PemFiles.toPem(List.of(PublishedCa.read(dataDir.resolve("config").resolve("certs"))));
      PrintWriter out = spec.commandLine().getOut();
      out.print(pem);
      out.flush();
      return 0;
    } catch (CertificateException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("settee ca: " + e.getMessage());
      err.flush();
      return 1;
    }
  }
}
