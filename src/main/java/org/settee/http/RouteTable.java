package org.settee.http;

import io.netty.handler.codec.http.HttpMethod;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the route for a request: the first whose method and path match. A path that matches only
 * under other methods gives 405 with those methods; no match at all gives 404. HEAD is served by
 * the GET route.
 */
final class RouteTable {
  private final List<Route> routes;

  RouteTable(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  /**
   * The outcome of a lookup.
   *
   * @param route null when nothing matched
   * @param allowed when {@code route} is null: the methods the path does take (empty: 404)
   */
  record Match(Route route, Map<String, String> params, Set<HttpMethod> allowed) {}

  Match match(HttpMethod method, List<String> segments) {
    HttpMethod wanted = method.equals(HttpMethod.HEAD) ? HttpMethod.GET : method;
    Set<HttpMethod> allowed = new LinkedHashSet<>();
    for (Route route : routes) {
      Map<String, String> params = route.path().match(segments);
      if (params == null) {
        continue;
      }
      if (route.method().equals(wanted)) {
        return new Match(route, params, Set.of());
      }
      allowed.add(route.method());
    }
    return new Match(null, Map.of(), allowed);
  }
}
