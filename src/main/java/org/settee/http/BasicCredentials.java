package org.settee.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The user and password of an {@code Authorization: Basic} header (RFC 7617): base64 of {@code
 * user:password}, UTF-8, split at the first colon.
 */
record BasicCredentials(String user, String password) {
  /**
   * Parses a header value.
   *
   * @return the credentials, or null when the header is not Basic or is malformed
   */
  static BasicCredentials parse(String header) {
    if (header == null) {
      return null;
    }
    String h = header.strip();
    int space = h.indexOf(' ');
    if (space < 0 || !h.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
      return null;
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(h.substring(space + 1).strip());
    } catch (IllegalArgumentException e) {
      return null;
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(decoded))
              .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    int colon = text.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    return new BasicCredentials(text.substring(0, colon), text.substring(colon + 1));
  }

  @Override
  public String toString() {
    return "BasicCredentials[" + user + "]"; // never the password
  }
}
