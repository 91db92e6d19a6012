package org.settee.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeCertificatesTest {
  @TempDir Path dir;

  @Test
  void aFirstStartMakesACaAndALaterStartReusesIt() {
    NodeCertificates certs = new NodeCertificates(dir.resolve("certs"));
    TlsMaterial first = certs.loadOrCreate(null, null, List.of("127.0.0.1", "localhost", "db1"));
    TlsMaterial again =
        new NodeCertificates(dir.resolve("certs")).loadOrCreate(null, null, List.of());
    assertThat(again.leaf()).isEqualTo(first.leaf());
    assertThat(again.ca()).isEqualTo(first.ca());
    assertThat(again.key().getEncoded()).isEqualTo(first.key().getEncoded());
  }

  @Test
  void anEncryptedKeyIsRefusedWithAClearMessage() throws Exception {
    TlsMaterial m = CertificateIssuer.newCa("test CA").issue("node", List.of("127.0.0.1"));
    Path chain = dir.resolve("chain.pem");
    PemFiles.writeCertificates(chain, m.chain());
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(
          new JcaPKCS8Generator(
              m.key(),
              new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                  .setProvider(new BouncyCastleProvider())
                  .setPassword("secret".toCharArray())
                  .build()));
    }
    Path key = dir.resolve("pkey.key");
    Files.writeString(key, out.toString());
    assertThatThrownBy(() -> NodeCertificates.load(chain, key))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("encrypted")
        .hasMessageContaining(key.toString());
  }

  @Test
  void aKeyOfAnotherCertificateIsRefused() {
    CertificateIssuer ca = CertificateIssuer.newCa("test CA");
    TlsMaterial a = ca.issue("a", List.of("127.0.0.1"));
    TlsMaterial b = ca.issue("b", List.of("127.0.0.1"));
    PemFiles.writeCertificates(dir.resolve("chain.pem"), a.chain());
    PemFiles.writePrivateKey(dir.resolve("pkey.key"), b.key());
    assertThatThrownBy(
            () -> NodeCertificates.load(dir.resolve("chain.pem"), dir.resolve("pkey.key")))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("does not match");
  }

  @Test
  void missingOrGarbageFilesAreNamed() throws Exception {
    assertThatThrownBy(
            () -> NodeCertificates.load(dir.resolve("none.pem"), dir.resolve("none.key")))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("none.pem does not exist");
    Files.writeString(dir.resolve("junk.pem"), "hello");
    assertThatThrownBy(() -> PemFiles.readCertificates(dir.resolve("junk.pem")))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("junk.pem");
  }

  @Test
  void onlyOneOfChainAndKeyIsRefused() {
    NodeCertificates certs = new NodeCertificates(dir.resolve("certs"));
    assertThatThrownBy(() -> certs.loadOrCreate(dir.resolve("c.pem"), null, List.of()))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("together");
  }
}
