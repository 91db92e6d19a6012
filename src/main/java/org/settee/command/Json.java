package org.settee.command;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;

/** Detects JSON documents, so reads can carry the JSON datatype as Couchbase's do. */
final class Json {
  private static final JsonFactory FACTORY = new JsonFactory();

  private Json() {}

  /** True when the bytes are exactly one JSON value. */
  static boolean isJson(byte[] value) {
    int i = 0;
    while (i < value.length
        && (value[i] == ' ' || value[i] == '\t' || value[i] == '\n' || value[i] == '\r')) {
      i++;
    }
    if (i == value.length || !couldStartJson(value[i])) {
      return false; // most binary values are rejected here, without a parser
    }
    try (JsonParser parser = FACTORY.createParser(value)) {
      if (parser.nextToken() == null) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean couldStartJson(byte b) {
    return b == '{'
        || b == '['
        || b == '"'
        || b == 't'
        || b == 'f'
        || b == 'n'
        || b == '-'
        || (b >= '0' && b <= '9');
  }
}
