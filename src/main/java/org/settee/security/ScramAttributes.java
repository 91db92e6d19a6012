package org.settee.security;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The attribute lists SCRAM messages are made of (RFC 5802 section 5): {@code a=value,b=value}, one
 * letter per key, each key once. Values may contain '=' (base64 padding) but never ','.
 */
final class ScramAttributes {
  private ScramAttributes() {}

  /** Key to value, in message order; null if the text is not such a list. */
  static Map<Character, String> parse(String text) {
    Map<Character, String> attributes = new LinkedHashMap<>();
    for (String part : text.split(",", -1)) {
      if (part.length() < 2 || part.charAt(1) != '=' || !isAsciiLetter(part.charAt(0))) {
        return null;
      }
      if (attributes.put(part.charAt(0), part.substring(2)) != null) {
        return null; // a repeated key
      }
    }
    return attributes;
  }

  private static boolean isAsciiLetter(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
  }

  /**
   * Decodes a saslname: "=2C" is ',' and "=3D" is '='; any other '=' is an error (null). No
   * SASLprep, as in kv_engine.
   */
  static String decodeName(String encoded) {
    StringBuilder sb = new StringBuilder(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c != '=') {
        sb.append(c);
      } else if (encoded.startsWith("2C", i + 1)) {
        sb.append(',');
        i += 2;
      } else if (encoded.startsWith("3D", i + 1)) {
        sb.append('=');
        i += 2;
      } else {
        return null;
      }
    }
    return sb.toString();
  }

  /** RFC 5802 "printable": visible ASCII except ','. Nonces must be made of it. */
  static boolean isPrintable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e || c == ',') {
        return false;
      }
    }
    return true;
  }
}
