package org.settee.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.settee.node.CertificateReload;
import org.settee.node.SetteeNode;
import org.settee.security.CertificateException;
import org.settee.security.PemFiles;
import org.settee.security.TrustedCa;

/**
 * The node's certificates over REST: the CAs clients and client certificates are to trust, the
 * reload of a new node certificate from {@code <data-dir>/inbox/} (ns_server's {@code
 * reloadCertificate}) and the loading of more CAs from {@code <data-dir>/inbox/CA/} ({@code
 * loadTrustedCAs}).
 */
final class CertificatesResource {
  private final SetteeNode node;

  CertificatesResource(SetteeNode node) {
    this.node = node;
  }

  /**
   * {@code GET /pools/default/trustedCAs}, in ns_server 7.1's shape: the node's published CA (id
   * 0), then the CAs loaded by {@code loadTrustedCAs}, with where they were loaded from.
   */
  RestResponse trustedCas(RestRequest request) {
    X509Certificate published = node.tls().material().ca();
    ArrayNode list = Json.array();
    list.add(entry(0, published));
    for (TrustedCa ca : node.trustedCas()) {
      // A reload may since have made a loaded CA the published one: listed once.
      if (!ca.certificate().equals(published)) {
        list.add(loaded(ca));
      }
    }
    return RestResponse.json(list);
  }

  /** {@code GET /pools/default/certificate}: the CA as PEM. */
  RestResponse certificate(RestRequest request) {
    return RestResponse.text(HttpResponseStatus.OK, node.tls().material().caPem());
  }

  /**
   * {@code POST /node/controller/reloadCertificate}, with an optional JSON body ({@link
   * ReloadCertificateBody}): {@code {"warnings":[]}} as ns_server answers, plus {@code
   * droppedConnections} when dropping was asked. A file that cannot be used is a 400 naming it, a
   * store that fails a 500; in both cases the certificate in use stays.
   */
  RestResponse reload(RestRequest request) {
    ReloadCertificateBody body = ReloadCertificateBody.parse(request.body());
    CertificateReload reload;
    try {
      reload = node.reloadCertificate(body.dropExistingConnections());
    } catch (CertificateException e) {
      throw RestException.badRequest(e.getMessage());
    } catch (UncheckedIOException e) {
      return RestResponse.text(
          HttpResponseStatus.INTERNAL_SERVER_ERROR,
          e.getMessage()
              + " ("
              + e.getCause()
              + "): the previous certificate stays in use and on disk");
    }
    ObjectNode answer = Json.object();
    answer.putArray("warnings");
    if (body.dropExistingConnections()) {
      answer.put("droppedConnections", reload.droppedConnections());
    }
    return RestResponse.json(answer);
  }

  /**
   * {@code POST /node/controller/loadTrustedCAs}: as ns_server, the list of the CAs added (those
   * already trusted are skipped, so a repeat answers {@code []}); a missing or empty inbox or a
   * file that is not PEM certificates is a 400 naming it, and nothing changes.
   */
  RestResponse loadTrustedCas(RestRequest request) {
    List<TrustedCa> added;
    try {
      added = node.loadTrustedCas(request.host());
    } catch (CertificateException e) {
      throw new RestException(
          RestResponse.json(HttpResponseStatus.BAD_REQUEST, Json.string(e.getMessage())),
          e.getMessage());
    } catch (UncheckedIOException e) {
      return RestResponse.text(
          HttpResponseStatus.INTERNAL_SERVER_ERROR,
          e.getMessage() + " (" + e.getCause() + "): no CA was added");
    }
    ArrayNode list = Json.array();
    added.forEach(ca -> list.add(loaded(ca)));
    return RestResponse.json(list);
  }

  private static ObjectNode entry(int id, X509Certificate ca) {
    ObjectNode entry = Json.object();
    entry.put("id", id);
    entry.put("subject", ca.getSubjectX500Principal().getName());
    entry.put("notBefore", ca.getNotBefore().toInstant().toString());
    entry.put("notAfter", ca.getNotAfter().toInstant().toString());
    entry.put("pem", PemFiles.toPem(List.of(ca)));
    return entry;
  }

  /** ns_server's fields for a CA it loaded: type, and when, where and from which file. */
  private static ObjectNode loaded(TrustedCa ca) {
    ObjectNode entry = entry(ca.id(), ca.certificate());
    entry.put("type", "uploaded");
    entry.put("loadTimestamp", ca.loadTimestamp().toString());
    entry.put("loadHost", ca.loadHost());
    entry.put("loadFile", ca.loadFile());
    return entry;
  }
}
