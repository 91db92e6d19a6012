package org.settee.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Reads the CA a node publishes (what {@code /pools/default/trustedCAs} serves) straight from its
 * certificate directory, without starting it: for {@code settee ca}, so users can trust the cluster
 * before, or without, reaching it over the network.
 */
public final class PublishedCa {
  private PublishedCa() {}

  /**
   * The top certificate of the node's stored chain (the root CA when the chain includes it) ({@code
   * node.pem}, or {@code chain.pem} as an older Settee stored it); else the {@code ca.pem} copy.
   *
   * @param certsDir {@code <data-dir>/config/certs}
   * @throws CertificateException when there is no CA yet (the node has never started) or the files
   *     cannot be read, saying which
   */
  public static X509Certificate read(Path certsDir) {
    Path node = certsDir.resolve("node.pem");
    if (Files.exists(node)) {
      return top(PemFiles.readKeyAndChain(node).chain());
    }
    Path legacy = certsDir.resolve("chain.pem");
    if (Files.exists(legacy)) {
      return top(PemFiles.readCertificates(legacy));
    }
    Path copy = certsDir.resolve("ca.pem");
    if (Files.exists(copy)) {
      return PemFiles.readCertificates(copy).get(0);
    }
    throw new CertificateException(
        "no CA certificate in "
            + certsDir.toAbsolutePath()
            + " yet: a node makes one at its first start (settee server --data-dir ...)");
  }

  /**
   * Whether {@code ca} is a root: self-issued and signed by its own key. A chain given without its
   * root ends at an intermediate (or at the leaf itself), which is all the node can publish then.
   */
  public static boolean isRoot(X509Certificate ca) {
    if (!ca.getSubjectX500Principal().equals(ca.getIssuerX500Principal())) {
      return false;
    }
    try {
      ca.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException notSelfSigned) {
      return false;
    }
  }

  private static X509Certificate top(List<X509Certificate> chain) {
    return chain.get(chain.size() - 1);
  }
}
