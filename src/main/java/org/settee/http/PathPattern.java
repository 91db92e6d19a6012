package org.settee.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A route's path, as segments where {@code {name}} captures one whole segment: {@code
 * /pools/default/buckets/{bucket}}. Requests are matched segment by segment after splitting at
 * {@code /} and dropping empty segments, as ns_server does, so {@code /pools/default/} and {@code
 * /pools/default} are the same resource, and an escaped {@code %2F} stays inside its segment.
 */
record PathPattern(List<String> segments) {
  PathPattern {
    segments = List.copyOf(segments);
  }

  static PathPattern of(String path) {
    return new PathPattern(split(path));
  }

  /** The raw (still escaped) segments of a path, without empty ones. */
  static List<String> split(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String s : rawPath.split("/", -1)) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * Splits and percent-decodes a raw path.
   *
   * @return the decoded segments, or null when an escape is malformed
   */
  static List<String> decode(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String s : split(rawPath)) {
      String decoded = PercentDecoding.decode(s, false);
      if (decoded == null) {
        return null;
      }
      out.add(decoded);
    }
    return out;
  }

  /** The captured parameters when {@code path} matches, else null. */
  Map<String, String> match(List<String> path) {
    if (path.size() != segments.size()) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < segments.size(); i++) {
      String pattern = segments.get(i);
      if (pattern.startsWith("{") && pattern.endsWith("}")) {
        params.put(pattern.substring(1, pattern.length() - 1), path.get(i));
      } else if (!pattern.equals(path.get(i))) {
        return null;
      }
    }
    return params;
  }

  @Override
  public String toString() {
    return "/" + String.join("/", segments);
  }
}
