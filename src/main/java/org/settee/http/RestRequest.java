package org.settee.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;
import org.settee.security.User;

/**
 * One REST request, decoded and detached from Netty's buffers: its path as decoded segments, the
 * parameters its route captured, and, once authenticated, its user.
 *
 * @param segments the path split at {@code /}, empty segments dropped (so a trailing slash does not
 *     matter), each percent-decoded
 * @param host the server address the client reached, for {@code $HOST} (IPv6 in brackets)
 * @param params what the route's {@code {name}} segments captured
 * @param user null until authenticated
 */
record RestRequest(
    HttpMethod method,
    String uri,
    List<String> segments,
    Map<String, List<String>> query,
    HttpHeaders headers,
    byte[] body,
    String host,
    Map<String, String> params,
    User user) {

  RestRequest withParams(Map<String, String> captured) {
    return new RestRequest(method, uri, segments, query, headers, body, host, captured, user);
  }

  RestRequest withUser(User authenticated) {
    return new RestRequest(
        method, uri, segments, query, headers, body, host, params, authenticated);
  }

  /** A captured path parameter; the route guarantees it is there. */
  String param(String name) {
    String value = params.get(name);
    if (value == null) {
      throw new IllegalStateException("route captured no parameter " + name);
    }
    return value;
  }

  /** The first value of a query parameter, or null. */
  String query(String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** The body as a form; refuses (400) anything that is not one. */
  Form form() {
    return Form.parse(headers.get(HttpHeaderNames.CONTENT_TYPE), body);
  }

  @Override
  public String toString() {
    return method + " " + uri;
  }
}
