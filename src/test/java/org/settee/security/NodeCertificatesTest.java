package org.settee.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
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

  /** What a crash at a step of a store does: the store stops there, nothing after it runs. */
  private static final class SimulatedCrash extends RuntimeException {
    SimulatedCrash(NodeCertificates.StoreStep step) {
      super("simulated crash at " + step);
    }
  }

  private NodeCertificates crashingAt(NodeCertificates.StoreStep crash) {
    return new NodeCertificates(
        dir.resolve("certs"),
        step -> {
          if (step == crash) {
            throw new SimulatedCrash(step);
          }
        });
  }

  @Test
  void aCrashBeforeTheSwitchLeavesTheOldKeyAndChainWhole() throws Exception {
    Path certs = dir.resolve("certs");
    TlsMaterial old = new NodeCertificates(certs).loadOrCreate(null, null, List.of("127.0.0.1"));
    TlsMaterial next = CertificateIssuer.newCa("next CA").issue("next", List.of("127.0.0.1"));

    assertThatThrownBy(() -> crashingAt(NodeCertificates.StoreStep.WRITTEN).store(next))
        .isInstanceOf(SimulatedCrash.class);
    // The new pair sits complete beside node.pem; a crash while writing it would leave it cut.
    Path pending = certs.resolve(NodeCertificates.NODE + ".tmp");
    byte[] written = Files.readAllBytes(pending);
    Files.write(pending, Arrays.copyOf(written, written.length / 2));

    TlsMaterial loaded = new NodeCertificates(certs).loadOrCreate(null, null, List.of());
    assertThat(loaded.leaf()).isEqualTo(old.leaf());
    assertThat(loaded.key().getEncoded()).isEqualTo(old.key().getEncoded());
    assertThat(loaded.ca()).isEqualTo(old.ca());
    assertThat(PemFiles.readCertificates(certs.resolve(NodeCertificates.CA)))
        .containsExactly(old.ca());
  }

  @Test
  void aCrashAfterTheSwitchLoadsTheNewPairAndBringsTheCaCopyInLine() {
    Path certs = dir.resolve("certs");
    TlsMaterial old = new NodeCertificates(certs).loadOrCreate(null, null, List.of("127.0.0.1"));
    TlsMaterial next = CertificateIssuer.newCa("next CA").issue("next", List.of("127.0.0.1"));

    assertThatThrownBy(() -> crashingAt(NodeCertificates.StoreStep.SWITCHED).store(next))
        .isInstanceOf(SimulatedCrash.class);
    assertThat(PemFiles.readCertificates(certs.resolve(NodeCertificates.CA)))
        .as("the copy is stale until the next start")
        .containsExactly(old.ca());

    TlsMaterial loaded = new NodeCertificates(certs).loadOrCreate(null, null, List.of());
    assertThat(loaded.leaf()).isEqualTo(next.leaf());
    assertThat(loaded.key().getEncoded()).isEqualTo(next.key().getEncoded());
    assertThat(loaded.ca()).isEqualTo(next.ca());
    assertThat(PemFiles.readCertificates(certs.resolve(NodeCertificates.CA)))
        .containsExactly(next.ca());
  }

  @Test
  void aReplaceWhoseInstallFailsPutsThePreviousFilesBack() throws Exception {
    Path certs = dir.resolve("certs");
    NodeCertificates store = new NodeCertificates(certs);
    TlsMaterial old = store.loadOrCreate(null, null, List.of("127.0.0.1"));
    byte[] nodeBefore = Files.readAllBytes(certs.resolve(NodeCertificates.NODE));
    byte[] caBefore = Files.readAllBytes(certs.resolve(NodeCertificates.CA));
    TlsMaterial next = CertificateIssuer.newCa("next CA").issue("next", List.of("127.0.0.1"));
    List<X509Certificate> seenOnDiskByInstall = new ArrayList<>();

    assertThatThrownBy(
            () ->
                store.replace(
                    next,
                    () -> {
                      seenOnDiskByInstall.addAll(
                          PemFiles.readKeyAndChain(certs.resolve(NodeCertificates.NODE)).chain());
                      throw new IllegalStateException("the engine refused it");
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the engine refused it");

    assertThat(seenOnDiskByInstall).as("stored before installed").isEqualTo(next.chain());
    assertThat(Files.readAllBytes(certs.resolve(NodeCertificates.NODE))).isEqualTo(nodeBefore);
    assertThat(Files.readAllBytes(certs.resolve(NodeCertificates.CA))).isEqualTo(caBefore);
    assertThat(Files.getPosixFilePermissions(certs.resolve(NodeCertificates.NODE)))
        .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    TlsMaterial loaded = new NodeCertificates(certs).loadOrCreate(null, null, List.of());
    assertThat(loaded.chain()).isEqualTo(old.chain());
  }

  @Test
  void aReplaceThatStopsBetweenNodePemAndItsCaCopyPutsNodePemBackAndInstallsNothing()
      throws Exception {
    Path certs = dir.resolve("certs");
    TlsMaterial old = new NodeCertificates(certs).loadOrCreate(null, null, List.of("127.0.0.1"));
    TlsMaterial next = CertificateIssuer.newCa("next CA").issue("next", List.of("127.0.0.1"));
    AtomicBoolean installed = new AtomicBoolean();

    assertThatThrownBy(
            () ->
                crashingAt(NodeCertificates.StoreStep.SWITCHED)
                    .replace(next, () -> installed.set(true)))
        .isInstanceOf(SimulatedCrash.class);

    assertThat(installed).isFalse();
    TlsMaterial loaded = new NodeCertificates(certs).loadOrCreate(null, null, List.of());
    assertThat(loaded.chain()).isEqualTo(old.chain());
    assertThat(loaded.key().getEncoded()).isEqualTo(old.key().getEncoded());
    assertThat(PemFiles.readCertificates(certs.resolve(NodeCertificates.CA)))
        .containsExactly(old.ca());
  }

  @Test
  void aStartWithTheUsersFilesStoresThemForSetteeCaAndLaterStarts() {
    Path certs = dir.resolve("certs");
    new NodeCertificates(certs).loadOrCreate(null, null, List.of("127.0.0.1"));
    CertificateIssuer root = CertificateIssuer.newCa("user root");
    TlsMaterial user = root.issue("user node", List.of("127.0.0.1"));
    Path chain = dir.resolve("user-chain.pem");
    Path key = dir.resolve("user-key.pem");
    PemFiles.writeCertificates(chain, user.chain());
    PemFiles.writePrivateKey(key, user.key());

    TlsMaterial served = new NodeCertificates(certs).loadOrCreate(chain, key, List.of());
    assertThat(served.chain()).isEqualTo(user.chain());
    assertThat(PublishedCa.read(certs)).isEqualTo(root.caCertificate());
    assertThat(PemFiles.readCertificates(certs.resolve(NodeCertificates.CA)))
        .containsExactly(root.caCertificate());
    TlsMaterial later = new NodeCertificates(certs).loadOrCreate(null, null, List.of());
    assertThat(later.chain()).isEqualTo(user.chain());
    assertThat(later.key().getEncoded()).isEqualTo(user.key().getEncoded());
  }

  @Test
  void onlyASelfSignedTopIsARoot() {
    CertificateIssuer root = CertificateIssuer.newCa("root");
    CertificateIssuer intermediate = root.intermediate("intermediate");
    TlsMaterial leaf = intermediate.issue("leaf", List.of("127.0.0.1"));
    assertThat(PublishedCa.isRoot(root.caCertificate())).isTrue();
    assertThat(PublishedCa.isRoot(intermediate.caCertificate())).isFalse();
    assertThat(PublishedCa.isRoot(leaf.leaf())).isFalse();
    assertThat(leaf.chain()).containsExactly(leaf.leaf(), intermediate.caCertificate());
  }

  @Test
  void aStoreReplacesKeyAndChainTogetherInOneOwnerOnlyFile() throws Exception {
    Path certs = dir.resolve("certs");
    NodeCertificates store = new NodeCertificates(certs);
    store.loadOrCreate(null, null, List.of("127.0.0.1"));
    TlsMaterial next = CertificateIssuer.newCa("next CA").issue("next", List.of("127.0.0.1"));
    store.store(next);

    try (var files = Files.list(certs)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .containsExactlyInAnyOrder(NodeCertificates.NODE, NodeCertificates.CA, "ca-key.pem");
    }
    assertThat(Files.getPosixFilePermissions(certs.resolve(NodeCertificates.NODE)))
        .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    TlsMaterial loaded = new NodeCertificates(certs).loadOrCreate(null, null, List.of());
    assertThat(loaded.chain()).isEqualTo(next.chain());
    assertThat(loaded.key().getEncoded()).isEqualTo(next.key().getEncoded());
  }

  @Test
  void theThreeFileLayoutOfEarlierVersionsIsMovedIntoNodePem() {
    Path certs = dir.resolve("certs");
    TlsMaterial m = CertificateIssuer.newCa("old CA").issue("old", List.of("127.0.0.1"));
    PemFiles.writeCertificates(certs.resolve("ca.pem"), List.of(m.ca()));
    PemFiles.writeCertificates(certs.resolve("chain.pem"), m.chain());
    PemFiles.writePrivateKey(certs.resolve("pkey.pem"), m.key());

    TlsMaterial loaded = new NodeCertificates(certs).loadOrCreate(null, null, List.of());
    assertThat(loaded.chain()).isEqualTo(m.chain());
    assertThat(loaded.ca()).isEqualTo(m.ca());
    assertThat(certs.resolve(NodeCertificates.NODE)).exists();
    assertThat(certs.resolve("chain.pem")).doesNotExist();
    assertThat(certs.resolve("pkey.pem")).doesNotExist();
    TlsMaterial again = new NodeCertificates(certs).loadOrCreate(null, null, List.of());
    assertThat(again.key().getEncoded()).isEqualTo(m.key().getEncoded());
  }

  @Test
  void aKeyAndChainFileInTheWrongOrderIsNamed() throws Exception {
    TlsMaterial m = CertificateIssuer.newCa("test CA").issue("node", List.of("127.0.0.1"));
    Path file = dir.resolve("node.pem");
    Files.writeString(file, PemFiles.toPem(m.chain()) + PemFiles.toPem(m.key()));
    assertThatThrownBy(() -> PemFiles.readKeyAndChain(file))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("out of place");
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
