package org.settee.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import org.settee.net.CertificateLogin;
import org.settee.net.CertificateRetired;
import org.settee.security.UserStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP connection. Requests are answered strictly in order, one at a time (HTTP/1.1
 * pipelining); a request waiting for a password check or the management executor holds the ones
 * behind it, and reading pauses when too many queue up. A streaming response takes the connection
 * for good. Everything here runs on the connection's event loop.
 */
final class RestChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(RestChannelHandler.class);

  /** Pipelined requests decoded beyond this pause reading until the queue drains. */
  static final int MAX_QUEUED = 16;

  private final RestDispatcher dispatcher;
  private final ConfigStreams streams;
  private final UserStore users;

  /** The user this client's TLS certificate names, once its handshake is done; else null. */
  private String certificateUser;

  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean busy;
  private boolean closing;

  /** The certificate this connection was accepted with is retired: close after this response. */
  private boolean retired;

  private ConfigStreamWriter stream;

  /**
   * A decoded request waiting its turn.
   *
   * @param immediate an answer decided while decoding (malformed request), or null
   */
  private record Pending(
      RestRequest request, boolean keepAlive, boolean head, RestResponse immediate) {}

  /**
   * @param users who TLS client certificates may name
   */
  RestChannelHandler(RestDispatcher dispatcher, ConfigStreams streams, UserStore users) {
    this.dispatcher = dispatcher;
    this.streams = streams;
    this.users = users;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
    if (stream != null || closing) {
      return; // a streaming or closing connection takes no more requests
    }
    queue.add(decode(ctx, msg));
    if (queue.size() >= MAX_QUEUED) {
      ctx.channel().config().setAutoRead(false);
    }
    next(ctx);
  }

  private Pending decode(ChannelHandlerContext ctx, FullHttpRequest msg) {
    boolean head = msg.method().equals(HttpMethod.HEAD);
    if (msg.decoderResult().isFailure()) {
      String why = String.valueOf(msg.decoderResult().cause());
      LOG.debug("{}: malformed HTTP request: {}", ctx.channel(), why);
      return new Pending(
          null, false, head, RestResponse.text(HttpResponseStatus.BAD_REQUEST, "Bad Request"));
    }
    boolean keepAlive = HttpUtil.isKeepAlive(msg);
    String rawPath = rawPath(msg.uri());
    List<String> segments = PathPattern.decode(rawPath);
    Map<String, List<String>> query;
    try {
      query = new QueryStringDecoder(msg.uri()).parameters();
    } catch (IllegalArgumentException e) {
      query = null;
    }
    if (segments == null || query == null) {
      return new Pending(
          null,
          keepAlive,
          head,
          RestResponse.text(HttpResponseStatus.BAD_REQUEST, "Malformed percent-encoding in URI"));
    }
    RestRequest request =
        new RestRequest(
            msg.method(),
            msg.uri(),
            segments,
            query,
            msg.headers().copy(),
            ByteBufUtil.getBytes(msg.content()),
            localHost(ctx),
            Map.of(),
            null);
    return new Pending(request, keepAlive, head, null);
  }

  /** The path of an origin-form ({@code /p?q}) or absolute-form ({@code http://h/p}) target. */
  static String rawPath(String uri) {
    String s = uri;
    int scheme = s.indexOf("://");
    if (!s.startsWith("/") && scheme > 0) {
      int slash = s.indexOf('/', scheme + 3);
      s = slash < 0 ? "/" : s.substring(slash);
    }
    int cut = s.length();
    for (char c : new char[] {'?', '#'}) {
      int i = s.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    return s.substring(0, cut);
  }

  private static String localHost(ChannelHandlerContext ctx) {
    if (ctx.channel().localAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
      String ip = a.getAddress().getHostAddress();
      if (a.getAddress() instanceof Inet6Address) {
        int zone = ip.indexOf('%');
        return "[" + (zone < 0 ? ip : ip.substring(0, zone)) + "]";
      }
      return ip;
    }
    return "127.0.0.1";
  }

  private void next(ChannelHandlerContext ctx) {
    if (busy || closing || stream != null || queue.isEmpty()) {
      return;
    }
    busy = true;
    Pending p = queue.poll();
    if (queue.size() < MAX_QUEUED / 2) {
      ctx.channel().config().setAutoRead(true);
    }
    if (p.immediate() != null) {
      respond(ctx, p, p.immediate());
      return;
    }
    dispatcher.dispatch(
        p.request(), certificateUser, ctx.executor(), response -> respond(ctx, p, response));
  }

  private void respond(ChannelHandlerContext ctx, Pending p, RestResponse r) {
    if (!ctx.channel().isActive()) {
      return;
    }
    if (r.stream() != null && !p.head()) {
      if (retired) {
        ctx.close(); // its certificate was retired while the request ran: no stream on it
        return;
      }
      stream = new ConfigStreamWriter(ctx, r.stream(), streams);
      stream.start(r.headers(), r.contentType());
      return;
    }
    FullHttpResponse res =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            r.status(),
            p.head() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
    commonHeaders(res.headers(), r.contentType());
    r.headers().forEach(res.headers()::set);
    HttpUtil.setContentLength(res, r.body().length);
    boolean keepAlive = p.keepAlive() && !retired;
    HttpUtil.setKeepAlive(res, keepAlive);
    ChannelFuture written = ctx.writeAndFlush(res);
    if (!keepAlive) {
      closing = true;
      queue.clear();
      written.addListener(ChannelFutureListener.CLOSE);
      return;
    }
    written.addListener(
        f -> {
          busy = false;
          next(ctx);
        });
  }

  /** Headers on every answer, as ns_server sends them. */
  static void commonHeaders(HttpHeaders headers, String contentType) {
    headers.set(HttpHeaderNames.SERVER, "Couchbase Server");
    headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    headers.set(HttpHeaderNames.CACHE_CONTROL, "no-cache,no-store,must-revalidate");
    headers.set(HttpHeaderNames.PRAGMA, "no-cache");
    headers.set("X-Content-Type-Options", "nosniff");
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (stream != null && ctx.channel().isWritable()) {
      stream.refresh();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (stream != null) {
      stream.close();
    }
    queue.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    // An idle keep-alive connection is closed; a stream is idle by nature, a request in
    // progress is not the client's fault.
    if (evt instanceof IdleStateEvent && stream == null && !busy) {
      ctx.close();
      return;
    }
    if (evt instanceof CertificateRetired retirement) {
      // A request in progress (the reload that retired the certificate, among others) is
      // answered first, with "Connection: close"; what is queued behind it is not.
      LOG.debug("{}: {}", ctx.channel(), retirement.reason());
      if (closing) {
        return; // closes once its last response is written
      }
      if (busy && stream == null) {
        retired = true;
      } else {
        ctx.close();
      }
      return;
    }
    if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
      CertificateLogin login = CertificateLogin.of(ctx.channel(), users);
      switch (login.outcome()) {
        case NONE -> {}
        case AUTHENTICATED -> certificateUser = login.user().name();
        case REFUSED -> {
          LOG.info("{}: closed: {}", ctx.channel(), login.reason());
          ctx.close();
          return;
        }
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("{}: closing after {}", ctx.channel(), cause.toString());
    ctx.close();
  }
}
