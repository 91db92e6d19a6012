package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.cli.BenchCommand;
import org.settee.security.CertificateIssuer;
import org.settee.security.PemFiles;
import org.settee.testing.EmbeddedNode;
import picocli.CommandLine;

/**
 * {@code settee bench --tls} against a real node's KV TLS port: with the node's CA the server is
 * verified and the counted run completes without errors; without a CA it runs with a warning; with
 * a CA that did not sign the node's certificate it fails with the handshake's reason.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BenchTlsIT {
  @TempDir Path dir;
  private EmbeddedNode node;
  private final List<String> progress = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    node = EmbeddedNode.start(dir.resolve("data"));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private BenchConfig config(BenchTls tls) {
    return new BenchConfig(
        "127.0.0.1",
        node.node().kvTlsPort(),
        2,
        8,
        0.8,
        64,
        200,
        Duration.ofSeconds(1),
        2_000,
        EmbeddedNode.ADMIN,
        EmbeddedNode.ADMIN_PASSWORD,
        "default",
        node.node().options().defaultBucketVBuckets(),
        true,
        Duration.ZERO,
        tls);
  }

  private BenchResult run(BenchConfig config) {
    return new BenchRunner(config, progress::add).run();
  }

  @Test
  void aVerifiedTlsRunCompletesEveryOperation() {
    Path ca = dir.resolve("ca.pem");
    PemFiles.writeCertificates(ca, List.of(node.node().tls().material().ca()));
    BenchResult result = run(config(new BenchTls(ca)));
    assertThat(result.ops()).isEqualTo(2_000);
    assertThat(result.errors()).isZero();
    assertThat(result.hits()).isEqualTo(result.gets());
    assertThat(progress)
        .anySatisfy(
            line -> assertThat(line).startsWith("TLS: TLSv1.3").contains("verified against"));
    assertThat(progress).noneSatisfy(line -> assertThat(line).startsWith("warning"));
  }

  @Test
  void withoutACaItRunsAndWarns() {
    BenchResult result = run(config(new BenchTls(null)));
    assertThat(result.ops()).isEqualTo(2_000);
    assertThat(result.errors()).isZero();
    assertThat(progress)
        .anySatisfy(line -> assertThat(line).startsWith("warning: TLS without --tls-ca"));
  }

  @Test
  void aCaThatDidNotSignTheNodeFailsWithTheHandshakesReason() {
    Path other = dir.resolve("other-ca.pem");
    PemFiles.writeCertificates(
        other, List.of(CertificateIssuer.newCa("not the node's CA").caCertificate()));
    assertThatThrownBy(() -> run(config(new BenchTls(other))))
        .isInstanceOf(BenchFailure.class)
        .hasMessageContaining("TLS handshake with 127.0.0.1:" + node.node().kvTlsPort())
        .hasMessageContaining("failed");
  }

  @Test
  void theCommandLineTakesTlsAndTlsCa() {
    BenchCommand plain = new BenchCommand();
    new CommandLine(plain).parseArgs();
    assertThat(plain.toConfig().tls()).isNull();
    BenchCommand insecure = new BenchCommand();
    new CommandLine(insecure).parseArgs("--tls");
    assertThat(insecure.toConfig().tls()).isEqualTo(new BenchTls(null));
    BenchCommand verified = new BenchCommand();
    new CommandLine(verified).parseArgs("--tls-ca", "ca.pem");
    assertThat(verified.toConfig().tls()).isEqualTo(new BenchTls(Path.of("ca.pem")));
  }
}
