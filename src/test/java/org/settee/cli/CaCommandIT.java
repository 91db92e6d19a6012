package org.settee.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.security.CertificateIssuer;
import org.settee.security.PemFiles;
import org.settee.security.TlsMaterial;
import org.settee.testing.EmbeddedNode;
import picocli.CommandLine;

/**
 * {@code settee ca}: prints the CA a node made at its first start, the same one it serves over REST
 * and signs its certificate with, while the node runs and after it stopped; says clearly when there
 * is none yet.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CaCommandIT {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return new CommandLine(new SetteeCli())
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err))
        .execute(args);
  }

  @Test
  void printsTheCaTheNodePublishesAndSignsWith() throws Exception {
    Path data = dir.resolve("data");
    String served;
    X509Certificate leaf;
    try (EmbeddedNode node = EmbeddedNode.start(data)) {
      served = node.node().tls().material().caPem();
      leaf = node.node().tls().material().leaf();
      assertThat(run("ca", "--data-dir", data.toString())).isZero();
      assertThat(out.toString()).isEqualTo(served);
    }
    out.getBuffer().setLength(0);
    assertThat(run("ca", "--data-dir", data.toString())).isZero();
    assertThat(out.toString()).isEqualTo(served);
    Path printed = dir.resolve("ca.pem");
    java.nio.file.Files.writeString(printed, out.toString());
    List<X509Certificate> ca = PemFiles.readCertificates(printed);
    assertThat(ca).hasSize(1);
    leaf.verify(ca.get(0).getPublicKey());
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void aChainSuppliedWithItsRootPrintsTheRoot() throws Exception {
    CertificateIssuer root = CertificateIssuer.newCa("user root CA");
    CertificateIssuer intermediate = root.intermediate("user intermediate CA");
    TlsMaterial issued = intermediate.issue("user node", List.of("127.0.0.1", "localhost"));
    Path chain = dir.resolve("chain.pem");
    Path key = dir.resolve("pkey.pem");
    PemFiles.writeCertificates(
        chain, List.of(issued.leaf(), intermediate.caCertificate(), root.caCertificate()));
    PemFiles.writePrivateKey(key, issued.key());
    Path data = dir.resolve("data");
    String rootPem = PemFiles.toPem(List.of(root.caCertificate()));

    try (EmbeddedNode node = EmbeddedNode.start(data, o -> o.tlsCertificate(chain, key))) {
      assertThat(node.node().tls().material().caPem()).isEqualTo(rootPem);
      assertThat(run("ca", "--data-dir", data.toString())).isZero();
      assertThat(out.toString()).isEqualTo(rootPem);
    }
    out.getBuffer().setLength(0);
    assertThat(run("ca", "--data-dir", data.toString())).isZero();
    assertThat(out.toString()).as("after the node stopped").isEqualTo(rootPem);
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void aChainReloadedWithoutItsRootPrintsItsTopAndSaysSo() throws Exception {
    CertificateIssuer root = CertificateIssuer.newCa("user root CA");
    CertificateIssuer intermediate = root.intermediate("user intermediate CA");
    TlsMaterial issued = intermediate.issue("user node", List.of("127.0.0.1", "localhost"));
    Path data = dir.resolve("data");
    try (EmbeddedNode node = EmbeddedNode.start(data)) {
      Path inbox = data.resolve("inbox");
      PemFiles.writeCertificates(inbox.resolve("chain.pem"), issued.chain()); // leaf, intermediate
      PemFiles.writePrivateKey(inbox.resolve("pkey.key"), issued.key());
      node.node().reloadCertificate();
    }
    assertThat(run("ca", "--data-dir", data.toString())).isZero();
    assertThat(out.toString()).isEqualTo(PemFiles.toPem(List.of(intermediate.caCertificate())));
    assertThat(err.toString())
        .startsWith("settee ca: ")
        .contains("ends at 'CN=user intermediate CA', which is not a root CA")
        .contains("issued by 'CN=user root CA'")
        .contains("Printed is the top of the chain");
  }

  @Test
  void aDataDirectoryWithoutACaIsAClearError() {
    Path data = dir.resolve("never-started");
    assertThat(run("ca", "--data-dir", data.toString())).isEqualTo(1);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString())
        .startsWith("settee ca: no CA certificate in ")
        .contains("config/certs")
        .contains("first start");
  }
}
