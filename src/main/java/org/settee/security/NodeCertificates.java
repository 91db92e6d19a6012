package org.settee.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's certificates on disk, under {@code <data-dir>/config/certs/}: made at first start (a
 * CA of the node's own and a node certificate it signs), or taken from files the user supplies at
 * start ({@code --tls-cert-chain}) or later ({@code reloadCertificate}).
 *
 * <pre>
 * certs/node.pem      the node's key, then its chain, leaf first (0600): what a start loads
 * certs/ca.pem        a copy of the chain's top certificate, the CA /pools/default/trustedCAs
 *                     publishes, for people and tools; rewritten from node.pem when it differs
 * certs/ca-key.pem    the generated CA's key (0600), kept to issue node certificates again
 * </pre>
 *
 * <p>The key and the chain are one file so that they change together: {@code node.pem} is written
 * beside itself, synced, and renamed over the old one. A crash before the rename leaves the old
 * pair, after it the new pair; never a key that does not match its chain, as three files written
 * one after another could.
 */
public final class NodeCertificates {
  private static final Logger LOG = LoggerFactory.getLogger(NodeCertificates.class);
  static final String NODE = "node.pem";
  static final String CA = "ca.pem";

  /** Where a store can be interrupted, for tests that crash it there. */
  enum StoreStep {
    /** The new key and chain are written and synced beside node.pem; node.pem is still the old. */
    WRITTEN,
    /** node.pem is the new pair; ca.pem not yet rewritten. */
    SWITCHED
  }

  private final Path dir;
  private final Consumer<StoreStep> crashPoint;

  public NodeCertificates(Path dir) {
    this(dir, step -> {});
  }

  /**
   * @param crashPoint called at each step of a store; a test throws from it to simulate a crash
   */
  NodeCertificates(Path dir, Consumer<StoreStep> crashPoint) {
    this.dir = dir;
    this.crashPoint = crashPoint;
  }

  /**
   * The material to serve at start: the user's files if given (stored as {@code reloadCertificate}
   * stores, so that {@code settee ca} and later starts know them), else what an earlier start or
   * reload stored, else a new CA and node certificate for {@code hosts}.
   *
   * @throws CertificateException when a file cannot be used (named in the message)
   */
  public TlsMaterial loadOrCreate(Path userChain, Path userKey, List<String> hosts) {
    if (userChain != null || userKey != null) {
      if (userChain == null || userKey == null) {
        throw new CertificateException(
            "--tls-cert-chain and --tls-key must be given together (got only one)");
      }
      TlsMaterial user = load(userChain, userKey);
      if (isStored(user)) {
        repairCaCopy(user);
      } else {
        // Stored as a reload would store it: `settee ca` and a restart without the options then
        // know the certificate the node presents, and its CA.
        store(user);
        LOG.info("stored the certificate of --tls-cert-chain in {}", dir.toAbsolutePath());
      }
      return user;
    }
    if (Files.exists(dir.resolve(NODE))) {
      TlsMaterial stored = loadStored();
      repairCaCopy(stored);
      return stored;
    }
    Path legacyChain = dir.resolve("chain.pem");
    Path legacyKey = dir.resolve("pkey.pem");
    if (Files.exists(legacyChain) || Files.exists(legacyKey)) {
      // Stored by a Settee before node.pem: moved into node.pem now, so later stores are atomic.
      TlsMaterial legacy = load(legacyChain, legacyKey);
      store(legacy);
      deleteQuietly(legacyChain);
      deleteQuietly(legacyKey);
      return legacy;
    }
    CertificateIssuer issuer = CertificateIssuer.newCa("Settee CA " + UUID.randomUUID());
    TlsMaterial made = issuer.issue("Settee Node", hosts);
    PemFiles.writePrivateKey(dir.resolve("ca-key.pem"), issuer.caKey());
    store(made);
    LOG.info("first start: generated a CA and a node certificate in {}", dir.toAbsolutePath());
    return made;
  }

  /**
   * Reads a chain (leaf first) and its unencrypted key, checking that they belong together. The
   * chain's top certificate is the CA that clients are told to trust.
   */
  public static TlsMaterial load(Path chainFile, Path keyFile) {
    List<X509Certificate> chain = PemFiles.readCertificates(chainFile);
    var key = PemFiles.readPrivateKey(keyFile);
    PemFiles.checkKeyMatches(chain.get(0), key, keyFile);
    return new TlsMaterial(chain, key, chain.get(chain.size() - 1));
  }

  /**
   * Makes {@code material} the one a restart loads, in one atomic switch (see the class comment).
   * The published CA is the chain's top certificate, as {@link #load} reads it.
   */
  public void store(TlsMaterial material) {
    if (!material.ca().equals(material.chain().get(material.chain().size() - 1))) {
      throw new IllegalArgumentException("the published CA must be the chain's top certificate");
    }
    PemFiles.writeKeyAndChain(
        dir.resolve(NODE),
        material.key(),
        material.chain(),
        () -> crashPoint.accept(StoreStep.WRITTEN));
    crashPoint.accept(StoreStep.SWITCHED);
    PemFiles.writeCertificates(dir.resolve(CA), List.of(material.ca()));
  }

  /**
   * Makes {@code next} the stored material, then runs {@code install}; leaves the files as they
   * were when either step fails, so the certificate in use and the one on disk never differ: a
   * store that stops half way (node.pem switched, ca.pem not) or an install that fails after the
   * store puts the previous files back before the failure is rethrown.
   *
   * @throws UncheckedIOException when the files cannot be written (the previous ones stay)
   */
  public void replace(TlsMaterial next, Runnable install) {
    Map<Path, byte[]> before = snapshot();
    try {
      store(next);
      install.run();
    } catch (RuntimeException e) {
      try {
        restore(before);
      } catch (RuntimeException restoreFailed) {
        e.addSuppressed(restoreFailed);
        LOG.error(
            "cannot put back the previous certificate files in {}: {}",
            dir.toAbsolutePath(),
            restoreFailed.toString());
      }
      throw e;
    }
  }

  /** The bytes of node.pem and ca.pem, a missing file as null. */
  private Map<Path, byte[]> snapshot() {
    Map<Path, byte[]> files = new HashMap<>();
    for (String name : List.of(NODE, CA)) {
      files.put(dir.resolve(name), readIfExists(dir.resolve(name)));
    }
    return files;
  }

  /** Puts back each file that differs from {@code before}; one that does not is not touched. */
  private static void restore(Map<Path, byte[]> before) {
    for (Map.Entry<Path, byte[]> e : before.entrySet()) {
      Path file = e.getKey();
      byte[] was = e.getValue();
      if (Arrays.equals(readIfExists(file), was)) {
        continue;
      }
      if (was == null) {
        deleteQuietly(file);
      } else {
        boolean secret = file.getFileName().toString().equals(NODE);
        PemFiles.writeText(file, new String(was, StandardCharsets.US_ASCII), secret);
      }
    }
  }

  private static byte[] readIfExists(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException absent) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Whether node.pem already holds {@code material}'s key and chain. */
  private boolean isStored(TlsMaterial material) {
    if (!Files.exists(dir.resolve(NODE))) {
      return false;
    }
    try {
      TlsMaterial stored = loadStored();
      return stored.chain().equals(material.chain())
          && Arrays.equals(stored.key().getEncoded(), material.key().getEncoded());
    } catch (CertificateException unreadable) {
      return false;
    }
  }

  private TlsMaterial loadStored() {
    Path file = dir.resolve(NODE);
    PemFiles.KeyAndChain stored = PemFiles.readKeyAndChain(file);
    List<X509Certificate> chain = stored.chain();
    PemFiles.checkKeyMatches(chain.get(0), stored.key(), file);
    return new TlsMaterial(chain, stored.key(), chain.get(chain.size() - 1));
  }

  /** A crash between node.pem and its CA copy left the copy stale: it follows node.pem. */
  private void repairCaCopy(TlsMaterial stored) {
    Path copy = dir.resolve(CA);
    try {
      if (Files.exists(copy) && PemFiles.readCertificates(copy).equals(List.of(stored.ca()))) {
        return;
      }
    } catch (CertificateException unreadable) {
      // rewritten below
    }
    PemFiles.writeCertificates(copy, List.of(stored.ca()));
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", file, e.toString());
    }
  }
}
