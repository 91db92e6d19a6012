package org.settee.security;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a TLS listener presents and what clients should trust: the node's certificate chain (leaf
 * first), its private key, and the CA published by {@code /pools/default/trustedCAs}.
 *
 * @param ca the generated CA, or the top certificate of a chain the user supplied
 */
public record TlsMaterial(List<X509Certificate> chain, PrivateKey key, X509Certificate ca) {
  public TlsMaterial {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("empty certificate chain");
    }
  }

  /** The node's own certificate. */
  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** The published CA as PEM. */
  public String caPem() {
    return PemFiles.toPem(List.of(ca));
  }
}
