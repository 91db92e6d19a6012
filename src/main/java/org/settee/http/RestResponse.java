package org.settee.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a handler answers: a status, a body and its type, extra headers; or, for the streaming
 * endpoints, a {@link StreamSource} whose documents are sent as chunks until the client leaves.
 */
record RestResponse(
    HttpResponseStatus status,
    String contentType,
    byte[] body,
    Map<String, String> headers,
    StreamSource stream) {
  static final String JSON = "application/json";
  static final String TEXT = "text/plain; charset=utf-8";
  private static final byte[] EMPTY = new byte[0];

  RestResponse {
    headers = Map.copyOf(headers);
  }

  static RestResponse json(JsonNode node) {
    return json(HttpResponseStatus.OK, node);
  }

  static RestResponse json(HttpResponseStatus status, JsonNode node) {
    return json(status, Json.bytes(node));
  }

  static RestResponse json(HttpResponseStatus status, byte[] json) {
    return new RestResponse(status, JSON, json, Map.of(), null);
  }

  static RestResponse text(HttpResponseStatus status, String text) {
    return new RestResponse(status, TEXT, text.getBytes(StandardCharsets.UTF_8), Map.of(), null);
  }

  /** A success without a body (ns_server answers most writes this way). */
  static RestResponse empty(HttpResponseStatus status) {
    return new RestResponse(status, TEXT, EMPTY, Map.of(), null);
  }

  /** A never-ending chunked response: each document followed by four newlines. */
  static RestResponse stream(StreamSource source) {
    return new RestResponse(HttpResponseStatus.OK, JSON, EMPTY, Map.of(), source);
  }

  RestResponse withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new RestResponse(status, contentType, body, more, stream);
  }
}
