package org.settee.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An {@code application/x-www-form-urlencoded} body, as every Couchbase management write takes.
 * Parsed strictly, so that a client mistake gets a 400 saying what is wrong rather than a request
 * half-understood: bad percent escapes, invalid UTF-8, a parameter given twice, or a body of
 * another type (JSON) are all refused.
 */
final class Form {
  static final String CONTENT_TYPE = "application/x-www-form-urlencoded";

  private final Map<String, String> values;

  private Form(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  /**
   * Parses a body. A missing content type is taken as a form (curl and ns_server do so).
   *
   * @throws RestException 400 naming the problem
   */
  static Form parse(String contentType, byte[] body) {
    if (contentType != null
        && !contentType.toLowerCase(Locale.ROOT).strip().startsWith(CONTENT_TYPE)) {
      throw RestException.badRequest(
          "Expected a " + CONTENT_TYPE + " body, got Content-Type: " + contentType);
    }
    String text = utf8(body);
    Map<String, String> values = new LinkedHashMap<>();
    for (String pair : text.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = PercentDecoding.decode(eq < 0 ? pair : pair.substring(0, eq), true);
      String value = eq < 0 ? "" : PercentDecoding.decode(pair.substring(eq + 1), true);
      if (key == null || value == null) {
        throw RestException.badRequest(
            "Malformed form body: bad percent-encoding in '" + pair + "'");
      }
      if (key.isEmpty()) {
        throw RestException.badRequest("Malformed form body: a parameter without a name");
      }
      if (values.putIfAbsent(key, value) != null) {
        throw RestException.badRequest("Malformed form body: parameter '" + key + "' given twice");
      }
    }
    return new Form(values);
  }

  private static String utf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw RestException.badRequest("Malformed form body: not UTF-8");
    }
  }

  /** The value, or null when the parameter is absent. */
  String get(String key) {
    return values.get(key);
  }

  /** The parameters' names, in no particular order. */
  Set<String> keys() {
    return values.keySet();
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  /** Adds "Unsupported key" (ns_server's words) for every parameter not in {@code known}. */
  void unsupported(Set<String> known, Map<String, String> errors) {
    List<String> unknown = new ArrayList<>(values.keySet());
    unknown.removeAll(known);
    unknown.forEach(k -> errors.put(k, "Unsupported key"));
  }

  @Override
  public String toString() {
    return "Form" + values.keySet(); // values may hold passwords
  }
}
