package org.settee.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.settee.security.User;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a request from its route to its response, in ns_server's order: unknown path (404) or
 * method (405) first, then authentication (401), then the route's permission (403), then the
 * handler, inline or on the serialised management executor. Every answer is handed to {@code done}
 * on the connection's event loop.
 */
final class RestDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(RestDispatcher.class);

  static final String REALM = "Basic realm=\"Couchbase Server Admin / REST\"";

  private final RouteTable routes;
  private final HttpAuthenticator authenticator;
  private final Executor serialized;

  RestDispatcher(RouteTable routes, HttpAuthenticator authenticator, Executor serialized) {
    this.routes = routes;
    this.authenticator = authenticator;
    this.serialized = serialized;
  }

  /**
   * @param certificateUser the user the client's TLS certificate named, who needs no password; or
   *     null
   */
  void dispatch(
      RestRequest request,
      String certificateUser,
      EventExecutor loop,
      Consumer<RestResponse> done) {
    RouteTable.Match match = routes.match(request.method(), request.segments());
    if (match.route() == null) {
      done.accept(match.allowed().isEmpty() ? notFound() : methodNotAllowed(match.allowed()));
      return;
    }
    Route route = match.route();
    RestRequest routed = request.withParams(match.params());
    if (certificateUser != null) {
      authenticated(route, routed, authenticator.certificate(certificateUser), loop, done);
      return;
    }
    authenticator.authenticate(
        request.headers().get(HttpHeaderNames.AUTHORIZATION),
        loop,
        result -> authenticated(route, routed, result, loop, done));
  }

  private void authenticated(
      Route route,
      RestRequest request,
      AuthResult result,
      EventExecutor loop,
      Consumer<RestResponse> done) {
    switch (result.outcome()) {
      case MISSING, REJECTED -> done.accept(unauthorized());
      case BUSY -> done.accept(busy());
      case AUTHENTICATED -> {
        User user = result.user();
        RestRequest r = request.withUser(user);
        String missing = route.access().missing(user, r);
        if (missing != null) {
          done.accept(forbidden(missing));
        } else {
          execute(route, r, loop, done);
        }
      }
    }
  }

  private void execute(
      Route route, RestRequest request, EventExecutor loop, Consumer<RestResponse> done) {
    if (route.execution() == Execution.INLINE) {
      done.accept(run(route, request));
      return;
    }
    try {
      serialized.execute(
          () -> {
            RestResponse response = run(route, request);
            try {
              loop.execute(() -> done.accept(response));
            } catch (RejectedExecutionException e) {
              LOG.debug("{}: answered after the event loop stopped", request);
            }
          });
    } catch (RejectedExecutionException e) {
      done.accept(busy());
    }
  }

  private static RestResponse run(Route route, RestRequest request) {
    try {
      return route.handler().handle(request);
    } catch (RestException e) {
      LOG.debug("{}: {}", request, e.getMessage());
      return e.response();
    } catch (RuntimeException e) {
      LOG.warn("{} failed", request, e);
      return RestResponse.text(
          HttpResponseStatus.INTERNAL_SERVER_ERROR, "Unexpected server error: " + e.getMessage());
    }
  }

  static RestResponse notFound() {
    return RestResponse.text(HttpResponseStatus.NOT_FOUND, "Not found.");
  }

  static RestResponse methodNotAllowed(Set<HttpMethod> allowed) {
    String methods = allowed.stream().map(HttpMethod::name).collect(Collectors.joining(", "));
    return RestResponse.text(
            HttpResponseStatus.METHOD_NOT_ALLOWED,
            "Method Not Allowed: this resource takes " + methods)
        .withHeader(HttpHeaderNames.ALLOW.toString(), methods);
  }

  static RestResponse unauthorized() {
    return RestResponse.empty(HttpResponseStatus.UNAUTHORIZED)
        .withHeader(HttpHeaderNames.WWW_AUTHENTICATE.toString(), REALM);
  }

  static RestResponse busy() {
    return RestResponse.text(
            HttpResponseStatus.SERVICE_UNAVAILABLE, "Server is busy, retry the request")
        .withHeader(HttpHeaderNames.RETRY_AFTER.toString(), "1");
  }

  /** ns_server's 403: the permission that was missing. */
  static RestResponse forbidden(String permission) {
    var body = Json.object();
    body.put("message", "Forbidden. User needs the following permissions");
    body.putArray("permissions").add(permission);
    return RestResponse.json(HttpResponseStatus.FORBIDDEN, body);
  }
}
