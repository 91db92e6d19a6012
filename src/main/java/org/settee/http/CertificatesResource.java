package org.settee.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.security.cert.X509Certificate;
import org.settee.node.SetteeNode;
import org.settee.security.CertificateException;
import org.settee.security.TlsMaterial;

/**
 * The node's certificates over REST: the CA clients should trust, and the reload of a new node
 * certificate from {@code <data-dir>/inbox/} (ns_server's {@code reloadCertificate}).
 */
final class CertificatesResource {
  private final SetteeNode node;

  CertificatesResource(SetteeNode node) {
    this.node = node;
  }

  /** {@code GET /pools/default/trustedCAs}: the published CA, in ns_server 7.1's shape. */
  RestResponse trustedCas(RestRequest request) {
    X509Certificate ca = node.tls().material().ca();
    ObjectNode entry = Json.object();
    entry.put("id", 0);
    entry.put("subject", ca.getSubjectX500Principal().getName());
    entry.put("notBefore", ca.getNotBefore().toInstant().toString());
    entry.put("notAfter", ca.getNotAfter().toInstant().toString());
    entry.put("pem", node.tls().material().caPem());
    ArrayNode list = Json.array();
    list.add(entry);
    return RestResponse.json(list);
  }

  /** {@code GET /pools/default/certificate}: the CA as PEM. */
  RestResponse certificate(RestRequest request) {
    return RestResponse.text(HttpResponseStatus.OK, node.tls().material().caPem());
  }

  /**
   * {@code POST /node/controller/reloadCertificate}: a file that cannot be used is a 400 naming it,
   * and the certificate in use stays.
   */
  RestResponse reload(RestRequest request) {
    try {
      TlsMaterial material = node.reloadCertificate();
      return RestResponse.text(
          HttpResponseStatus.OK,
          "certificate reloaded: " + material.leaf().getSubjectX500Principal().getName());
    } catch (CertificateException e) {
      throw RestException.badRequest(e.getMessage());
    }
  }
}
