package org.settee.security;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;

/** Strict UTF-8 decoding of SASL messages, which must round-trip byte for byte. */
final class SaslText {
  private SaslText() {}

  /**
   * Decodes bytes {@code [from, to)}, or returns null if they are not well-formed UTF-8. Strict,
   * because SCRAM signs the text: a lenient decoder would sign different bytes than the client.
   */
  static String decode(byte[] bytes, int from, int to) {
    try {
      return UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, from, to - from))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
