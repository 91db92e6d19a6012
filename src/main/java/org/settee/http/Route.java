package org.settee.http;

import io.netty.handler.codec.http.HttpMethod;

/** One line of the routing table: method and path, what the caller needs, who answers. */
record Route(
    HttpMethod method, PathPattern path, Access access, Execution execution, RestHandler handler) {

  static Route get(String path, Access access, RestHandler handler) {
    return new Route(HttpMethod.GET, PathPattern.of(path), access, Execution.INLINE, handler);
  }

  /** A write: serialised on the management executor. */
  static Route write(HttpMethod method, String path, Access access, RestHandler handler) {
    return new Route(method, PathPattern.of(path), access, Execution.SERIALIZED, handler);
  }

  @Override
  public String toString() {
    return method + " " + path;
  }
}
