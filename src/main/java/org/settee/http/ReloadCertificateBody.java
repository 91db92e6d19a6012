package org.settee.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The optional JSON body of {@code POST /node/controller/reloadCertificate}. Couchbase 7.1 takes
 * {@code {"privateKeyPassphrase": {...}}} there; Settee takes {@code {"dropExistingConnections":
 * true}} instead, an extension of its own (Couchbase has no way to ask for it), and refuses every
 * other key rather than ignore what the caller meant, in ns_server's error shape ({@code
 * {"errors":{"<key>":"<why>"}}}). No body, or an empty one, means the defaults.
 *
 * @param dropExistingConnections close the TLS connections accepted with the previous certificate
 */
record ReloadCertificateBody(boolean dropExistingConnections) {
  static final String DROP = "dropExistingConnections";
  static final ReloadCertificateBody DEFAULTS = new ReloadCertificateBody(false);

  /**
   * @throws RestException 400 for a body that is not JSON, not an object, has an unknown key or a
   *     value that is not a boolean; every problem named
   */
  static ReloadCertificateBody parse(byte[] body) {
    if (new String(body, StandardCharsets.UTF_8).isBlank()) {
      return DEFAULTS;
    }
    JsonNode root;
    try {
      root =
          Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(body);
    } catch (IOException e) {
      throw RestException.invalid("_", "Invalid Json"); // ns_server's words
    }
    if (!root.isObject()) {
      throw RestException.invalid(
          "_", "The body must be a JSON object, e.g. {\"" + DROP + "\": true}");
    }
    Map<String, String> errors = new LinkedHashMap<>();
    boolean drop = false;
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      switch (field.getKey()) {
        case DROP -> {
          if (field.getValue().isBoolean()) {
            drop = field.getValue().booleanValue();
          } else {
            errors.put(DROP, "Value must be true or false");
          }
        }
        case "privateKeyPassphrase" ->
            errors.put(
                field.getKey(),
                "Not supported: Settee reads only unencrypted private keys (inbox/pkey.key)");
        default ->
            errors.put(
                field.getKey(),
                "Unsupported key: reloadCertificate takes only " + DROP + " (true or false)");
      }
    }
    if (!errors.isEmpty()) {
      throw RestException.invalid(errors, null);
    }
    return new ReloadCertificateBody(drop);
  }
}
