package org.settee.security;

/**
 * A certificate or key cannot be used: a file is missing, unreadable, not PEM, encrypted, or the
 * key does not match the certificate. The message says which file and why, for a start-up error or
 * a 400 from {@code reloadCertificate}.
 */
public final class CertificateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CertificateException(String message) {
    super(message);
  }

  public CertificateException(String message, Throwable cause) {
    super(message, cause);
  }
}
