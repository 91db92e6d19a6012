package org.settee.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
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
 * server needs to run), for clients to trust: {@code ./settee ca > ca.pem}. That is the CA the node
 * generated, or the root of the chain the user supplied; a chain without its root has only an
 * intermediate to print, and stderr says so.
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
      X509Certificate ca = PublishedCa.read(dataDir.resolve("config").resolve("certs"));
      PrintWriter out = spec.commandLine().getOut();
      out.print(PemFiles.toPem(List.of(ca)));
      out.flush();
      if (!PublishedCa.isRoot(ca)) {
        // Still printed: it is what the node publishes, and clients that accept an intermediate
        // as a trust anchor (Java, OpenSSL with -partial_chain) can use it.
        PrintWriter err = spec.commandLine().getErr();
        err.println(
            "settee ca: the node's certificate chain ends at '"
                + ca.getSubjectX500Principal().getName()
                + "', which is not a root CA: it was issued by '"
                + ca.getIssuerX500Principal().getName()
                + "', whose certificate the chain does not include. Printed is the top of the"
                + " chain; clients that trust only root CAs need the certificate of '"
                + ca.getIssuerX500Principal().getName()
                + "' (from whoever issued yours), or a chain that ends with it"
                + " (reloadCertificate).");
        err.flush();
      }
      return 0;
    } catch (CertificateException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("settee ca: " + e.getMessage());
      err.flush();
      return 1;
    }
  }
}
