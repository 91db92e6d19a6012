package org.settee.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

/** Binding a server socket. */
public final class Listeners {
  private Listeners() {}

  /**
   * Binds {@code bootstrap} to {@code host:port}. A failure names the address and what it was for:
   * Netty's own error says only "bind(..) failed: Address already in use", and is a checked
   * exception thrown where none is declared.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public static Channel bind(ServerBootstrap bootstrap, String host, int port, String what)
      throws InterruptedException {
    ChannelFuture bound = bootstrap.bind(host, port).await();
    if (!bound.isSuccess()) {
      Throwable cause = bound.cause();
      throw new IllegalStateException(
          "cannot listen for "
              + what
              + " on "
              + host
              + ":"
              + port
              + ": "
              + (cause.getMessage() == null ? cause.toString() : cause.getMessage()),
          cause);
    }
    return bound.channel();
  }
}
