package org.settee.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustedCasTest {
  private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");

  @TempDir Path dir;

  private final X509Certificate published = CertificateIssuer.newCa("node CA").caCertificate();
  private final X509Certificate corp = CertificateIssuer.newCa("corp CA").caCertificate();
  private final X509Certificate partner = CertificateIssuer.newCa("partner CA").caCertificate();

  private List<CaInbox.Found> found(X509Certificate... certs) {
    List<CaInbox.Found> list = new ArrayList<>();
    for (X509Certificate c : certs) {
      list.add(new CaInbox.Found(dir.resolve("inbox/CA/x.pem"), c));
    }
    return list;
  }

  @Test
  void newCasGetTheNextIdsAreStoredAndInstalledAndRepeatsAreSkipped() {
    Path file = dir.resolve("trusted-cas.json");
    TrustedCas cas = TrustedCas.open(file);
    List<List<X509Certificate>> installed = new ArrayList<>();

    List<TrustedCa> added =
        cas.add(found(corp, published, corp), published, NOW, "127.0.0.1", installed::add);
    assertThat(added).extracting(TrustedCa::id).containsExactly(1);
    assertThat(installed).containsExactly(List.of(corp));

    added = cas.add(found(corp, partner), published, NOW, "127.0.0.1", installed::add);
    assertThat(added).extracting(TrustedCa::certificate).containsExactly(partner);
    assertThat(added).extracting(TrustedCa::id).containsExactly(2);
    assertThat(cas.add(found(partner), published, NOW, "h", installed::add)).isEmpty();
    assertThat(installed).hasSize(2);

    TrustedCas reopened = TrustedCas.open(file);
    assertThat(reopened.certificates()).containsExactly(corp, partner);
    assertThat(reopened.all().get(0))
        .isEqualTo(new TrustedCa(1, corp, NOW, "127.0.0.1", dir.resolve("inbox/CA/x.pem") + ""));
  }

  @Test
  void anInstallThatFailsLeavesTheStoredListAsItWas() throws Exception {
    Path file = dir.resolve("trusted-cas.json");
    TrustedCas cas = TrustedCas.open(file);
    assertThatThrownBy(
            () ->
                cas.add(
                    found(corp),
                    published,
                    NOW,
                    "h",
                    all -> {
                      throw new CertificateException("refused", null);
                    }))
        .hasMessage("refused");
    assertThat(file).doesNotExist();
    assertThat(cas.all()).isEmpty();

    cas.add(found(corp), published, NOW, "h", all -> {});
    byte[] stored = Files.readAllBytes(file);
    assertThatThrownBy(
            () ->
                cas.add(
                    found(partner),
                    published,
                    NOW,
                    "h",
                    all -> {
                      throw new CertificateException("refused", null);
                    }))
        .hasMessage("refused");
    assertThat(Files.readAllBytes(file)).isEqualTo(stored);
    assertThat(cas.certificates()).containsExactly(corp);
  }

  @Test
  void aFileThatIsNotPemIsNamed() throws Exception {
    Path inbox = Files.createDirectories(dir.resolve("inbox/CA"));
    PemFiles.writeCertificates(inbox.resolve("a.pem"), List.of(corp));
    Files.writeString(inbox.resolve("b.pem"), "garbage");
    assertThatThrownBy(() -> CaInbox.read(inbox))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("b.pem");
    Files.delete(inbox.resolve("b.pem"));
    Files.writeString(inbox.resolve(".hidden"), "garbage, skipped");
    assertThat(CaInbox.read(inbox)).extracting(CaInbox.Found::certificate).containsExactly(corp);
  }
}
