package org.settee.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's certificates on disk, under {@code <data-dir>/config/certs/}: made at first start (a
 * CA of the node's own and a node certificate it signs), or loaded from files the user supplies,
 * and replaced by {@code reloadCertificate}.
 *
 * <pre>
 * certs/ca.pem        the CA published by /pools/default/trustedCAs
 * certs/ca-key.pem    the generated CA's key (0600), kept to issue node certificates again
 * certs/chain.pem     the node's chain, leaf first
 * certs/pkey.pem      the node's key (0600)
 * </pre>
 */
public final class NodeCertificates {
  private static final Logger LOG = LoggerFactory.getLogger(NodeCertificates.class);

  private final Path dir;

  public NodeCertificates(Path dir) {
    this.dir = dir;
  }

  /**
   * The material to serve at start: the user's files if given, else what an earlier start stored,
   * else a new CA and node certificate for {@code hosts}.
   *
   * @throws CertificateException when a file cannot be used (named in the message)
   */
  public TlsMaterial loadOrCreate(Path userChain, Path userKey, List<String> hosts) {
    if (userChain != null || userKey != null) {
      if (userChain == null || userKey == null) {
        throw new CertificateException(
            "--tls-cert-chain and --tls-key must be given together (got only one)");
      }
      return load(userChain, userKey);
    }
    Path chain = dir.resolve("chain.pem");
    Path key = dir.resolve("pkey.pem");
    if (Files.exists(chain) || Files.exists(key)) {
      TlsMaterial stored = load(chain, key);
      List<X509Certificate> ca = PemFiles.readCertificates(dir.resolve("ca.pem"));
      return new TlsMaterial(stored.chain(), stored.key(), ca.get(0));
    }
    CertificateIssuer issuer = CertificateIssuer.newCa("Settee CA " + UUID.randomUUID());
    TlsMaterial made = issuer.issue("Settee Node", hosts);
    PemFiles.writePrivateKey(dir.resolve("ca-key.pem"), issuer.caKey());
    PemFiles.writeCertificates(dir.resolve("ca.pem"), List.of(issuer.caCertificate()));
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

  /** Makes {@code material} the one a restart loads (the previous files are replaced). */
  public void store(TlsMaterial material) {
    List<X509Certificate> chain = new ArrayList<>(material.chain());
    PemFiles.writeCertificates(dir.resolve("ca.pem"), List.of(material.ca()));
    PemFiles.writePrivateKey(dir.resolve("pkey.pem"), material.key());
    PemFiles.writeCertificates(dir.resolve("chain.pem"), chain);
  }
}
