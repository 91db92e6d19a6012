package org.settee.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** The REST API's JSON: one mapper for every resource, and the {@code $HOST} substitution. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  /** The placeholder configuration documents use for the address the client reached us on. */
  static final String HOST_PLACEHOLDER = "$HOST";

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
  }

  /**
   * A configuration document with {@code $HOST} replaced by {@code host}, as ns_server does for
   * HTTP (terse_bucket_info_with_local_addr): KV clients substitute it themselves, HTTP clients
   * such as libcouchbase expect real addresses.
   */
  static byte[] withHost(byte[] document, String host) {
    String text = new String(document, StandardCharsets.UTF_8);
    return text.replace(HOST_PLACEHOLDER, host).getBytes(StandardCharsets.UTF_8);
  }

  /** A JSON string document, as ns_server answers some errors ({@code "Unknown user."}). */
  static byte[] string(String text) {
    return bytes(MAPPER.getNodeFactory().textNode(text));
  }
}
