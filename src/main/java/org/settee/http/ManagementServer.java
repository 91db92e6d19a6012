package org.settee.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.settee.net.ListenerInitializer;
import org.settee.net.Listeners;
import org.settee.net.ServerTls;
import org.settee.net.Transport;
import org.settee.node.SetteeNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management REST API (ns_server's port 8091): cluster and bucket configuration, bucket and
 * user management, as Couchbase 7.x answers them. HTTP/1.1 with keep-alive over the node's event
 * loops; writes and password checks run on two small bounded executors of its own.
 */
public final class ManagementServer {
  private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);

  /** Request bodies beyond this get 413: every management form is far smaller. */
  static final int MAX_BODY = 1024 * 1024;

  /** A connection idle this long between requests is closed (streams are exempt). */
  static final int IDLE_SECONDS = 300;

  /** The server's lifecycle. */
  enum State {
    /** Built, not yet listening. */
    NEW,
    /** Listening and answering. */
    RUNNING,
    /** Listener and connections closed, executors drained; final. */
    STOPPED
  }

  private final SetteeNode node;
  private final String host;
  private final int port;
  private final int tlsPort;
  private final ServerTls tls;
  private final MemoryQuota quota;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final ConfigStreams streams = new ConfigStreams();
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

  /** Bucket and user changes, one at a time: they write files and may run PBKDF2. */
  private final ThreadPoolExecutor serialized =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(256),
          new DefaultThreadFactory("settee-rest", true));

  /** Basic-auth password checks (PBKDF2) not answered by the credential cache. */
  private final ThreadPoolExecutor passwordChecks =
      new ThreadPoolExecutor(
          2,
          2,
          0,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(256),
          new DefaultThreadFactory("settee-rest-auth", true));

  private final List<Channel> listeners = new ArrayList<>();
  private int boundTlsPort;

  /** A plain-HTTP server only. */
  public ManagementServer(SetteeNode node, String host, int port) {
    this(node, host, port, -1, null, MemoryQuota.ofHeap());
  }

  /**
   * HTTP on {@code port} and, when {@code tls} is given, HTTPS on {@code tlsPort}.
   *
   * @param tlsPort 0 for an ephemeral port; -1 for no HTTPS listener
   */
  public ManagementServer(SetteeNode node, String host, int port, int tlsPort, ServerTls tls) {
    this(node, host, port, tlsPort, tls, MemoryQuota.ofHeap());
  }

  ManagementServer(
      SetteeNode node, String host, int port, int tlsPort, ServerTls tls, MemoryQuota quota) {
    this.node = node;
    this.host = host;
    this.port = port;
    this.tlsPort = tlsPort;
    this.tls = tls;
    this.quota = quota;
  }

  /**
   * Binds the listeners; returns the plain port actually bound (useful with port 0). {@link
   * #tlsPort()} tells the HTTPS one.
   */
  public int start(Transport transport, EventLoopGroup boss, EventLoopGroup workers)
      throws InterruptedException {
    if (!state.compareAndSet(State.NEW, State.RUNNING)) {
      throw new IllegalStateException("management server state: " + state.get());
    }
    RestDispatcher dispatcher = dispatcher();
    node.clusterConfig().onChange(rev -> streams.configChanged());
    int bound = bind(transport, boss, workers, port, null, dispatcher);
    if (tls != null && tlsPort >= 0) {
      boundTlsPort = bind(transport, boss, workers, tlsPort, tls, dispatcher);
    }
    LOG.debug("management REST API listening on {}:{} (https: {})", host, bound, boundTlsPort);
    return bound;
  }

  /** The HTTPS listener's bound port, 0 when there is none. */
  public int tlsPort() {
    return boundTlsPort;
  }

  private int bind(
      Transport transport,
      EventLoopGroup boss,
      EventLoopGroup workers,
      int port,
      ServerTls tls,
      RestDispatcher dispatcher)
      throws InterruptedException {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 128)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ListenerInitializer(tls, ch -> initPipeline(ch, dispatcher)));
    Channel listener =
        Listeners.bind(
            bootstrap, host, port, tls == null ? "the REST API" : "the REST API over TLS");
    listeners.add(listener);
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  private void initPipeline(SocketChannel ch, RestDispatcher dispatcher) {
    channels.add(ch);
    ch.pipeline()
        .addLast("idle", new IdleStateHandler(IDLE_SECONDS, 0, 0))
        .addLast("http", new HttpServerCodec())
        .addLast("aggregate", new HttpObjectAggregator(MAX_BODY))
        .addLast("rest", new RestChannelHandler(dispatcher, streams, node.users()));
  }

  private RestDispatcher dispatcher() {
    UserProfiles profiles =
        UserProfiles.open(node.options().dataDir().resolve("config").resolve("user-profiles.json"));
    NodeJson nodeJson = new NodeJson(node, quota);
    BucketJson bucketJson = new BucketJson(node.configJson(), nodeJson);
    RouteTable routes =
        new RouteTable(
            RestRoutes.all(
                new PoolsResource(node, nodeJson, quota),
                new ClusterConfigResource(node.buckets(), node.configJson(), bucketJson),
                new BucketsResource(node, bucketJson, quota),
                new UsersResource(node.users(), profiles),
                new RolesResource(profiles),
                new CertificatesResource(node),
                new ClientCertAuthResource(node),
                new AutoCompactionResource(node.clusterConfig())));
    return new RestDispatcher(
        routes, new HttpAuthenticator(node.users(), passwordChecks), serialized);
  }

  /**
   * Stops listening, closes every connection (streams included) and lets a change in progress
   * finish, so the node can close its storage after this returns. Idempotent.
   */
  public void stop() {
    State was = state.getAndSet(State.STOPPED);
    if (was == State.STOPPED) {
      return;
    }
    streams.close();
    for (Channel listener : listeners) {
      listener.close().syncUninterruptibly();
    }
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    passwordChecks.shutdownNow();
    serialized.shutdown();
    try {
      if (!serialized.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("a management change was still running when the server stopped");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Open streaming responses (tests check that they are cleaned up). */
  int openStreams() {
    return streams.size();
  }
}
