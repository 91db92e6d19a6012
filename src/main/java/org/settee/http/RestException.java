package org.settee.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/**
 * A request the REST API refuses, carrying the answer Couchbase gives in that case (status and
 * body), so handlers can throw from deep inside validation and nothing is half-done.
 */
final class RestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** ns_server's body for a resource (bucket, user) that does not exist. */
  static final String NOT_FOUND_TEXT = "Requested resource not found.\r\n";

  private final transient RestResponse response;

  RestException(RestResponse response, String message) {
    super(message, null, false, false);
    this.response = response;
  }

  RestResponse response() {
    return response;
  }

  /** 404 for a named resource that does not exist. */
  static RestException notFound(String what) {
    return new RestException(
        RestResponse.text(HttpResponseStatus.NOT_FOUND, NOT_FOUND_TEXT), what + " not found");
  }

  /** 400 with a plain text reason. */
  static RestException badRequest(String reason) {
    return new RestException(RestResponse.text(HttpResponseStatus.BAD_REQUEST, reason), reason);
  }

  /**
   * 400 in ns_server's validation shape: {@code {"errors":{"<field>":"<message>"}}}, plus whatever
   * else the endpoint adds (bucket creation adds {@code summaries}).
   */
  static RestException invalid(Map<String, String> errors, ObjectNode extra) {
    ObjectNode body = Json.object();
    ObjectNode e = body.putObject("errors");
    errors.forEach(e::put);
    if (extra != null) {
      body.setAll(extra);
    }
    return new RestException(
        RestResponse.json(HttpResponseStatus.BAD_REQUEST, body), "invalid: " + errors);
  }

  static RestException invalid(String field, String message) {
    return invalid(Map.of(field, message), null);
  }
}
