package org.settee.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.ssl.OpenSsl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.settee.protocol.Status;
import org.settee.security.CertificateIssuer;
import org.settee.security.PemFiles;
import org.settee.security.TlsMaterial;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.TestTls;

/**
 * Seed 002: a node certificate far larger than one 8 KiB write (hundreds of SANs) must handshake,
 * with either server engine. 24 KiB against the JDK client at its default limits (it refuses
 * handshake messages over 32 KiB), 90 KiB against {@code openssl s_client}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsLargeCertificateIT {
  private static final Path OPENSSL = Path.of("/usr/bin/openssl");

  @TempDir Path dir;

  /** A chain whose leaf names {@code sans} hosts (about 42 bytes each) and its CA. */
  private static TlsMaterial largeCertificate(int sans) {
    List<String> hosts = new ArrayList<>(List.of("127.0.0.1", "localhost"));
    for (int i = 0; i < sans; i++) {
      hosts.add(String.format("host-%05d.large-certificate.settee.test", i));
    }
    return CertificateIssuer.newCa("large certificate test CA").issue("settee large", hosts);
  }

  private EmbeddedNode startWith(TlsMaterial material, TlsEngine engine) {
    if (engine == TlsEngine.OPENSSL) {
      assumeTrue(OpenSsl.isAvailable(), "BoringSSL not loadable here");
    }
    Path chain = dir.resolve("chain.pem");
    Path key = dir.resolve("pkey.pem");
    PemFiles.writeCertificates(chain, material.chain());
    PemFiles.writePrivateKey(key, material.key());
    return EmbeddedNode.start(
        dir.resolve("data"), o -> o.tlsCertificate(chain, key).tlsEngine(engine));
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void a24KibCertificateHandshakesWithTheJdkClient(TlsEngine engine) throws Exception {
    TlsMaterial material = largeCertificate(560);
    int size = material.leaf().getEncoded().length;
    assertThat(size).isBetween(22 * 1024, 30 * 1024);
    try (EmbeddedNode node = startWith(material, engine);
        KvTestClient c =
            KvTestClient.connectTls(
                node.node().kvTlsPort(),
                node.node().options().defaultBucketVBuckets(),
                TestTls.trusting(material.ca()))) {
      X509Certificate presented = (X509Certificate) c.tlsSession().getPeerCertificates()[0];
      assertThat(presented).isEqualTo(material.leaf());
      c.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default");
      assertThat(c.set("big-cert", "ok").status()).isEqualTo(Status.SUCCESS);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void a90KibCertificateHandshakesWithOpensslSClient(TlsEngine engine) throws Exception {
    assertThat(Files.isExecutable(OPENSSL)).as("openssl, which scripts/test installs").isTrue();
    TlsMaterial material = largeCertificate(2150);
    assertThat(material.leaf().getEncoded().length).isBetween(85 * 1024, 95 * 1024);
    try (EmbeddedNode node = startWith(material, engine)) {
      Path caFile = dir.resolve("ca.pem");
      PemFiles.writeCertificates(caFile, List.of(material.ca()));
      // The output (the 90 KiB certificate as PEM) goes to a file: a pipe nobody reads would
      // fill up and stall s_client.
      Path log = dir.resolve("s_client.log");
      Process p =
          new ProcessBuilder(
                  OPENSSL.toString(),
                  "s_client",
                  "-connect",
                  "127.0.0.1:" + node.node().kvTlsPort(),
                  "-CAfile",
                  caFile.toString(),
                  "-verify_return_error")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      p.getOutputStream().close(); // EOF on stdin: quit once the handshake is done
      boolean exited = p.waitFor(30, TimeUnit.SECONDS);
      if (!exited) {
        p.destroyForcibly();
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(exited).as(output).isTrue();
      assertThat(output).contains("Verify return code: 0 (ok)");
      assertThat(output).contains("settee large");
    }
  }
}
