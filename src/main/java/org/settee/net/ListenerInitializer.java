package org.settee.net;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.util.function.Consumer;

/**
 * The pipeline of one listener, plain or TLS: the same handlers for both, with the TLS handler
 * first when the listener is secure. Each TLS channel takes the certificate current when it is
 * accepted (see {@link ServerTls}).
 */
public final class ListenerInitializer extends ChannelInitializer<SocketChannel> {
  private final ServerTls tls;
  private final Consumer<SocketChannel> pipeline;

  /**
   * @param tls null for a plain listener
   * @param pipeline adds the protocol's handlers
   */
  public ListenerInitializer(ServerTls tls, Consumer<SocketChannel> pipeline) {
    this.tls = tls;
    this.pipeline = pipeline;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    if (tls != null) {
      ch.pipeline().addLast("tls", tls.newHandler(ch));
    }
    pipeline.accept(ch);
  }
}
