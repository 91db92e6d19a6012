package org.settee.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.settee.security.UserStore;

/**
 * The KV listeners, plain (11210) and TLS (11207): accept connections and give each its pipeline
 * and {@link Connection}. Both listeners build the same pipeline; the TLS one puts the TLS handler
 * first, and the authentication deadline runs from accept, so it bounds the handshake too.
 */
public final class KvServer {
  private final ConnectionRegistry registry;
  private final RequestDispatcher dispatcher;
  private final Options options;
  private final ServerTls tls;
  private final UserStore users;
  private final List<Channel> listeners = new ArrayList<>();
  private int tlsPort;

  /**
   * What the listeners need to know.
   *
   * @param tlsPort the TLS listener's port (0: ephemeral; -1: no TLS listener)
   * @param maxFrameBody frames over this are refused with a logged close (values over the item
   *     limit but under this get E2BIG)
   * @param authDeadline a connection not authenticated by then is closed (zero: never)
   */
  public record Options(
      String host,
      int port,
      int tlsPort,
      int maxFrameBody,
      Duration authDeadline,
      boolean anonymousDefault) {}

  /**
   * @param tls the node's TLS, or null when the node serves no TLS
   * @param users who TLS client certificates may name (see {@link CertificateLogin})
   */
  public KvServer(
      ConnectionRegistry registry,
      RequestDispatcher dispatcher,
      Options options,
      ServerTls tls,
      UserStore users) {
    this.registry = registry;
    this.dispatcher = dispatcher;
    this.options = options;
    this.tls = tls;
    this.users = users;
  }

  /**
   * Binds the plain listener, and the TLS one when the node serves TLS; returns the plain port
   * actually bound (useful with port 0). {@link #tlsPort()} tells the TLS one.
   */
  public int start(Transport transport, EventLoopGroup boss, EventLoopGroup workers)
      throws InterruptedException {
    int port = bind(transport, boss, workers, options.port(), null);
    if (tls != null && options.tlsPort() >= 0) {
      tlsPort = bind(transport, boss, workers, options.tlsPort(), tls);
    }
    return port;
  }

  /** The TLS listener's bound port, 0 when there is none. */
  public int tlsPort() {
    return tlsPort;
  }

  private int bind(
      Transport transport, EventLoopGroup boss, EventLoopGroup workers, int port, ServerTls tls)
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
                new ListenerInitializer(tls, ch -> initPipeline(ch, tls == null ? null : users)));
    Channel listener =
        Listeners.bind(bootstrap, options.host(), port, tls == null ? "KV" : "KV over TLS");
    listeners.add(listener);
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  private void initPipeline(SocketChannel ch, UserStore certificateUsers) {
    Connection connection = new Connection(registry.nextId(), ch, options.anonymousDefault());
    ch.pipeline()
        .addLast("frames", new KvFrameDecoder(connection, options.maxFrameBody()))
        .addLast(
            "kv",
            new KvConnectionHandler(
                connection, registry, dispatcher, options.authDeadline(), certificateUsers));
  }

  /** Stops accepting; open connections are closed by the caller. */
  public void stop() {
    for (Channel listener : listeners) {
      listener.close().syncUninterruptibly();
    }
  }
}
