package org.settee.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.settee.protocol.MalformedFrameException;
import org.settee.protocol.Request;
import org.settee.security.UserStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one connection's lifecycle on its event loop: open and close log lines, the deadline to
 * authenticate, request execution, batched flushes and back-pressure.
 */
final class KvConnectionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(KvConnectionHandler.class);

  private final Connection connection;
  private final ConnectionRegistry registry;
  private final RequestDispatcher dispatcher;
  private final Duration authDeadline;
  private final UserStore users;
  private ScheduledFuture<?> authTimer;

  /**
   * @param users who client certificates may name; null when the listener takes none
   */
  KvConnectionHandler(
      Connection connection,
      ConnectionRegistry registry,
      RequestDispatcher dispatcher,
      Duration authDeadline,
      UserStore users) {
    this.connection = connection;
    this.registry = registry;
    this.dispatcher = dispatcher;
    this.authDeadline = authDeadline;
    this.users = users;
    connection.dispatchWith(request -> dispatcher.dispatch(connection, request));
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    registry.add(connection);
    LOG.info(
        "conn {} opened: peer {} local {}", connection.id(), connection.peer(), connection.local());
    if (!connection.isAnonymous() && !authDeadline.isZero()) {
      authTimer =
          ctx.executor()
              .schedule(this::authDeadlinePassed, authDeadline.toNanos(), TimeUnit.NANOSECONDS);
    }
    ctx.fireChannelActive();
  }

  private void authDeadlinePassed() {
    if (!connection.state().isAuthenticated()) {
      connection.close("not authenticated within " + authDeadline.toMillis() + " ms");
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Request request = (Request) msg;
    if (connection.isClosing()) {
      request.release();
      return;
    }
    if (connection.admit(request)) {
      connection.countRequest();
      dispatcher.dispatch(connection, request);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    connection.flushOutput();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // A client that does not read its responses stops being read: its output cannot grow
    // without bound, and it never slows anyone else down.
    ctx.channel().config().setAutoRead(ctx.channel().isWritable() && !connection.isSuspended());
    if (ctx.channel().isWritable()) {
      connection.writable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (authTimer != null) {
      authTimer.cancel(false);
    }
    connection.closed();
    registry.remove(connection);
    LOG.info(
        "conn {} closed: peer {} after {} requests, reason: {}",
        connection.id(),
        connection.peer(),
        connection.requests(),
        connection.closeReason());
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    // A handshake that fails or passes its deadline has its channel closed by the TLS handler;
    // this names the reason in the close log line.
    if (event instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
      connection.close("TLS handshake failed: " + describe(done.cause()));
    } else if (event instanceof SslHandshakeCompletionEvent && users != null) {
      // Fired before any request that followed the handshake is decoded: those see the identity.
      loginByCertificate();
    } else if (event instanceof CertificateRetired retired) {
      connection.close(retired.reason());
    } else if (event instanceof SslCloseCompletionEvent) {
      // The client ended TLS (close_notify): nothing more can be read, so the connection ends.
      connection.close("TLS closed by the client");
    }
    ctx.fireUserEventTriggered(event);
  }

  /**
   * The failure and, when it wraps one, its root cause: OpenSSL reports a refused client
   * certificate as "General OpenSslEngine problem" and keeps the trust manager's reason inside.
   */
  private static String describe(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == failure
        ? failure.getMessage()
        : failure.getMessage() + " (" + root.getMessage() + ")";
  }

  private void loginByCertificate() {
    CertificateLogin login = CertificateLogin.of(connection.channel(), users);
    switch (login.outcome()) {
      case NONE -> {}
      case AUTHENTICATED -> {
        connection.authenticatedByCertificate(login.user());
        LOG.info(
            "conn {} authenticated as '{}' by client certificate",
            connection.id(),
            login.user().name());
      }
      case REFUSED -> connection.close(login.reason());
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof DecoderException && cause.getCause() instanceof MalformedFrameException) {
      connection.close("malformed frame: " + cause.getCause().getMessage());
    } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
      connection.close("TLS error: " + cause.getCause().getMessage());
    } else if (cause instanceof IOException) {
      connection.close("I/O error: " + cause.getMessage());
    } else {
      LOG.warn("conn {}: unexpected error, closing", connection.id(), cause);
      connection.close("internal error: " + cause);
    }
  }
}
