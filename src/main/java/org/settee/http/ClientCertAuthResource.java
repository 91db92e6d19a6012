package org.settee.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import org.settee.node.SetteeNode;
import org.settee.security.ClientCertAuth;

/**
 * {@code /settings/clientCertAuth}: whether TLS clients may or must authenticate with a
 * certificate, and how it names the user, in ns_server's shape and with its validation messages.
 */
final class ClientCertAuthResource {
  private final SetteeNode node;

  ClientCertAuthResource(SetteeNode node) {
    this.node = node;
  }

  /** GET: {@code {"state":"disable","prefixes":[]}} by default. */
  RestResponse get(RestRequest request) {
    return RestResponse.json(node.clientCertAuth().toJson());
  }

  /**
   * POST with a JSON body: 202 when the settings changed (new connections use them), 200 when they
   * were already so, 400 with ns_server's message (a JSON string) or messages (a list) otherwise.
   */
  RestResponse post(RestRequest request) {
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(request.body());
    } catch (IOException e) {
      throw invalid("Invalid JSON");
    }
    ClientCertAuth settings;
    try {
      settings = ClientCertAuth.fromJson(body);
    } catch (ClientCertAuth.Invalid e) {
      if (e.errors().size() == 1) {
        throw invalid(e.errors().get(0));
      }
      ArrayNode list = Json.array();
      e.errors().forEach(list::add);
      throw new RestException(
          RestResponse.json(HttpResponseStatus.BAD_REQUEST, list), e.getMessage());
    }
    boolean changed = node.clientCertAuth(settings);
    return RestResponse.empty(changed ? HttpResponseStatus.ACCEPTED : HttpResponseStatus.OK);
  }

  private static RestException invalid(String message) {
    return new RestException(
        RestResponse.json(HttpResponseStatus.BAD_REQUEST, Json.string(message)), message);
  }
}
