package org.settee.node;

import org.settee.security.TlsMaterial;

/**
 * What a {@code reloadCertificate} did: the certificate now presented, and how many TLS connections
 * on the previous one were dropped (0 unless asked to).
 */
public record CertificateReload(TlsMaterial material, int droppedConnections) {}
