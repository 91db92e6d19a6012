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
    int last = value.length - 1;
    while (last > i
        && (value[last] == ' '
            || value[last] == '\t'
            || value[last] == '\n'
            || value[last] == '\r')) {
      last--;
    }
    if (i == value.length || !couldStartJson(value[i]) || !couldEndJson(value[i], value[last])) {
      // Binary values are rejected here, without a parser: a parser rejects them by throwing, and
      // the stack trace of one exception per SET of such a value cost the event loops ~2% of their
      // CPU in the KV benchmark (docs/benchmarks.md, issue 4).
      return false;
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

  /** Whether a JSON value that starts with {@code first} can end with {@code last}. */
  private static boolean couldEndJson(byte first, byte last) {
    return switch (first) {
      case '{' -> last == '}';
      case '[' -> last == ']';
      case '"' -> last == '"';
      case 't', 'f' -> last == 'e';
      case 'n' -> last == 'l';
      default -> last >= '0' && last <= '9'; // a number
    };
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
