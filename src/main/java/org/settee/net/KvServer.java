package org.settee.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;

/** The KV listener: accepts connections and gives each its pipeline and {@link Connection}. */
public final class KvServer {
  private final ConnectionRegistry registry;
  private final RequestDispatcher dispatcher;
  private final Options options;
  private Channel listener;

  /**
   * What the listener needs to know.
   *
   * @param maxFrameBody frames over this are refused with a logged close (values over the item
   *     limit but under this get E2BIG)
   * @param authDeadline a connection not authenticated by then is closed (zero: never)
   */
  public record Options(
      String host, int port, int maxFrameBody, Duration authDeadline, boolean anonymousDefault) {}

  public KvServer(ConnectionRegistry registry, RequestDispatcher dispatcher, Options options) {
    this.registry = registry;
    this.dispatcher = dispatcher;
    this.options = options;
  }

  /** Binds the listener; returns the port actually bound (useful with port 0). */
  public int start(Transport transport, EventLoopGroup boss, EventLoopGroup workers)
      throws InterruptedException {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    Connection connection =
                        new Connection(registry.nextId(), ch, options.anonymousDefault());
                    ch.pipeline()
                        .addLast("frames", new KvFrameDecoder(connection, options.maxFrameBody()))
                        .addLast(
                            "kv",
                            new KvConnectionHandler(
                                connection, registry, dispatcher, options.authDeadline()));
                  }
                });
    listener = bootstrap.bind(options.host(), options.port()).sync().channel();
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Stops accepting; open connections are closed by the caller. */
  public void stop() {
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
  }
}
