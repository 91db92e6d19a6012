package org.settee.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Runs one bench: connects, authenticates, populates, warms up, measures, then merges the
 * connections' stats into a {@link BenchResult}. The hot path lives on the event loops (one per
 * core); this class only steps the connections through their phases from the calling thread,
 * printing a progress line a second, and gives up when the server stops answering.
 */
public final class BenchRunner {
  /** The seed of every connection's keys and value. */
  private static final long BENCH_SEED = 0x5e77ee;

  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** A server that answers nothing for this long while requests are in flight is declared hung. */
  static final Duration STALL_TIMEOUT = Duration.ofSeconds(10);

  private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final BenchConfig config;
  private final Consumer<String> progress;
  private final Transport transport;
  private final Duration stallTimeout;
  private final CompletableFuture<BenchFailure> failure = new CompletableFuture<>();
  private final List<Connection> connections = new ArrayList<>();
  private final AtomicBoolean tlsAnnounced = new AtomicBoolean();
  private boolean started;
  private ProgressLine progressLine;
  private long lastAnswered = -1;
  private long lastAnswerChangeNanos;

  /** A connected channel and the handler driving it. */
  private record Connection(Channel channel, BenchConnection handler) {}

  /**
   * @param progress receives the live progress lines and notices (meant for stderr)
   */
  public BenchRunner(BenchConfig config, Consumer<String> progress) {
    this(config, progress, Transport.best(), STALL_TIMEOUT);
  }

  BenchRunner(
      BenchConfig config, Consumer<String> progress, Transport transport, Duration stallTimeout) {
    this.config = config;
    this.progress = progress;
    this.transport = transport;
    this.stallTimeout = stallTimeout;
  }

  /**
   * Runs the bench to its end.
   *
   * @throws BenchFailure when a connection cannot be made, fails, or the server stops answering
   */
  public BenchResult run() {
    if (started) {
      throw new IllegalStateException("state: already run (a runner runs once)");
    }
    started = true;
    int loops = Math.min(Runtime.getRuntime().availableProcessors(), config.connections());
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, transport.ioHandlerFactory());
    try {
      connect(group);
      progressLine =
          new ProgressLine(
              connections.stream().map(c -> c.handler().stats()).toList(), System.nanoTime());
      if (config.populate()) {
        populate();
      }
      return load();
    } finally {
      for (Connection c : connections) {
        c.channel().close();
      }
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }

  private void connect(EventLoopGroup group) {
    Bootstrap bootstrap =
        new Bootstrap()
            .group(group)
            .channel(transport.channelClass())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) HANDSHAKE_TIMEOUT.toMillis());
    // Fixed: every run sends the same keys and values, so runs (and servers) compare like for like.
    SplittableRandom seeds = new SplittableRandom(BENCH_SEED);
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    BenchTls tls = config.tls();
    SslContext tlsContext = tls == null ? null : tls.context();
    if (tls != null && !tls.verifies()) {
      progress.accept(
          "warning: TLS without --tls-ca trusts any server certificate (fine for a benchmark"
              + " against your own node, nothing else)");
    }
    List<ChannelFuture> connects = new ArrayList<>();
    List<BenchConnection> handlers = new ArrayList<>();
    for (int i = 0; i < config.connections(); i++) {
      CompletableFuture<Void> handshake = new CompletableFuture<>();
      BenchConnection handler = new BenchConnection(config, seeds.nextLong(), handshake, failure);
      ready.add(handshake);
      handlers.add(handler);
      ChannelHandler pipeline = handler;
      if (tlsContext != null) {
        CompletableFuture<Void> tlsDone = new CompletableFuture<>();
        ready.add(tlsDone);
        pipeline = tlsPipeline(tls, tlsContext, handler, tlsDone);
      }
      connects.add(bootstrap.clone().handler(pipeline).connect(config.host(), config.port()));
    }
    for (int i = 0; i < connects.size(); i++) {
      ChannelFuture f = connects.get(i).awaitUninterruptibly();
      if (!f.isSuccess()) {
        connects.forEach(c -> c.channel().close());
        Throwable cause = f.cause();
        throw new BenchFailure("cannot connect to " + target() + ": " + cause.getMessage(), cause);
      }
      connections.add(new Connection(f.channel(), handlers.get(i)));
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new));
    long deadline = System.nanoTime() + HANDSHAKE_TIMEOUT.toNanos();
    watch(null, "", all, deadline);
    if (!all.isDone()) {
      throw new BenchFailure(
          "no answer to the handshake from "
              + target()
              + " within "
              + HANDSHAKE_TIMEOUT.toSeconds()
              + " s");
    }
  }

  /**
   * TLS in front of the bench connection. A failed handshake fails the run with its reason; the
   * first success says what was negotiated, so a run's figures name their cipher.
   */
  private ChannelHandler tlsPipeline(
      BenchTls tls, SslContext context, BenchConnection handler, CompletableFuture<Void> done) {
    return new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        SslHandler ssl = tls.newHandler(context, ch, config.host(), config.port());
        ch.pipeline().addLast(ssl, handler);
        ssl.handshakeFuture()
            .addListener(
                f -> {
                  if (!f.isSuccess()) {
                    failure.complete(
                        new BenchFailure(
                            "TLS handshake with " + target() + " failed: " + f.cause().getMessage(),
                            f.cause()));
                    return;
                  }
                  if (tlsAnnounced.compareAndSet(false, true)) {
                    var session = ssl.engine().getSession();
                    progress.accept(
                        "TLS: "
                            + session.getProtocol()
                            + " "
                            + session.getCipherSuite()
                            + " ("
                            + BenchTls.provider()
                            + " client), server certificate "
                            + (tls.verifies()
                                ? "verified against " + tls.trustedCa()
                                : "not checked"));
                  }
                  done.complete(null);
                });
      }
    };
  }

  private void populate() {
    long start = System.nanoTime();
    long base = progressLine.answered();
    List<CompletableFuture<Void>> done = new ArrayList<>();
    int stride = connections.size();
    for (int i = 0; i < connections.size(); i++) {
      long first = i;
      CompletableFuture<Void> step = new CompletableFuture<>();
      done.add(step);
      onLoop(connections.get(i), h -> h.populate(first, stride, step));
    }
    watchUntilDone(
        "populating",
        () ->
            String.format(
                Locale.ROOT, "  %,d of %,d keys", progressLine.answered() - base, config.keys()),
        done);
    long errors = connections.stream().mapToLong(c -> c.handler().stats().populateErrors).sum();
    progress.accept(
        String.format(
            Locale.ROOT,
            "populated %,d keys in %.1f s%s",
            config.keys(),
            (System.nanoTime() - start) / 1e9,
            errors == 0 ? "" : String.format(Locale.ROOT, " (%,d SETs failed)", errors)));
  }

  private BenchResult load() {
    List<CompletableFuture<Void>> done = new ArrayList<>();
    long[] quotas = quotas();
    boolean warmup = !config.warmup().isZero();
    long measureStart = System.nanoTime();
    long busyAtStart = MachineCpu.busyNanos();
    for (int i = 0; i < connections.size(); i++) {
      long quota = quotas[i];
      CompletableFuture<Void> step = new CompletableFuture<>();
      done.add(step);
      onLoop(connections.get(i), h -> h.startLoad(!warmup, quota, step));
    }
    if (warmup) {
      watch("warming up", "", new CompletableFuture<>(), deadline(config.warmup()));
      measureStart = System.nanoTime();
      busyAtStart = MachineCpu.busyNanos();
      connections.forEach(c -> onLoop(c, BenchConnection::startMeasuring));
    }
    if (!config.countsOps()) {
      watch("measuring", "", new CompletableFuture<>(), deadline(config.duration()));
      connections.forEach(c -> onLoop(c, BenchConnection::stop));
    }
    watchUntilDone(config.countsOps() ? "measuring" : "draining", () -> "", done);
    long busyAtEnd = MachineCpu.busyNanos();
    long busy =
        busyAtStart == MachineCpu.UNKNOWN || busyAtEnd == MachineCpu.UNKNOWN
            ? MachineCpu.UNKNOWN
            : busyAtEnd - busyAtStart;
    return result(measureStart, busy);
  }

  /** Splits {@code --ops} over the connections; a timed run gives each an unbounded quota. */
  private long[] quotas() {
    long[] quotas = new long[connections.size()];
    for (int i = 0; i < quotas.length; i++) {
      quotas[i] =
          config.countsOps()
              ? config.ops() / quotas.length + (i < config.ops() % quotas.length ? 1 : 0)
              : Long.MAX_VALUE;
    }
    return quotas;
  }

  private BenchResult result(long measureStart, long machineCpuNanos) {
    Histogram latency =
        new Histogram(
            ConnectionStats.LOWEST_DISCERNIBLE_NANOS, ConnectionStats.HIGHEST_TRACKABLE_NANOS, 3);
    Map<Integer, Long> errors = new HashMap<>();
    long ops = 0;
    long gets = 0;
    long sets = 0;
    long hits = 0;
    long misses = 0;
    long populateErrors = 0;
    long end = measureStart;
    for (Connection c : connections) {
      ConnectionStats s = c.handler().stats();
      latency.add(s.latencyNanos);
      s.errorsByStatus.forEach((status, n) -> errors.merge(status, n, Long::sum));
      ops += s.ops;
      gets += s.gets;
      sets += s.sets;
      hits += s.hits;
      misses += s.misses;
      populateErrors += s.populateErrors;
      if (s.ops > 0) {
        end = Math.max(end, s.lastAnswerNanos);
      }
    }
    return new BenchResult(
        config,
        transport.name(),
        ops,
        Duration.ofNanos(end - measureStart),
        gets,
        sets,
        hits,
        misses,
        errors,
        populateErrors,
        BenchResult.Latency.ofNanos(latency),
        machineCpuNanos);
  }

  private void watchUntilDone(
      String label, Supplier<String> detail, List<CompletableFuture<Void>> done) {
    CompletableFuture<Void> all = CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
    watch(label, detail, all, Long.MAX_VALUE);
  }

  private void watch(String label, String detail, CompletableFuture<?> target, long deadline) {
    watch(label, () -> detail, target, deadline);
  }

  /**
   * Waits until {@code target} completes or {@code deadline} (System.nanoTime) passes, printing a
   * progress line a second when {@code label} is not null.
   *
   * @throws BenchFailure as soon as a connection fails, or when the server stops answering
   */
  private void watch(
      String label, Supplier<String> detail, CompletableFuture<?> target, long deadline) {
    long nextTick = System.nanoTime() + TICK_NANOS;
    CompletableFuture<Object> wake = CompletableFuture.anyOf(target, failure);
    while (true) {
      if (failure.isDone()) {
        throw failure.join();
      }
      long now = System.nanoTime();
      if (target.isDone() || now - deadline >= 0) {
        return;
      }
      try {
        wake.get(Math.min(nextTick, deadline) - now, TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // Either way the loop looks again: a failure is reported by the check at its top.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchFailure("interrupted", e);
      }
      now = System.nanoTime();
      if (now - nextTick >= 0) {
        nextTick += TICK_NANOS;
        if (label != null) {
          progress.accept(progressLine.next(label, detail.get(), now));
          checkStall(label, now);
        }
      }
    }
  }

  private void checkStall(String label, long now) {
    long answered = progressLine.answered();
    if (answered != lastAnswered) {
      lastAnswered = answered;
      lastAnswerChangeNanos = now;
    } else if (now - lastAnswerChangeNanos > stallTimeout.toNanos()) {
      throw new BenchFailure(
          String.format(
              Locale.ROOT,
              "no answer from %s for %.1f s while %s",
              target(),
              stallTimeout.toMillis() / 1e3,
              label));
    }
  }

  /** Hands a command to the connection's event loop; a bug there fails the run, not hangs it. */
  private void onLoop(Connection c, Consumer<BenchConnection> command) {
    c.channel()
        .eventLoop()
        .execute(
            () -> {
              try {
                command.accept(c.handler());
              } catch (RuntimeException e) {
                failure.complete(new BenchFailure("bench bug on " + c.channel() + ": " + e, e));
              }
            });
  }

  private static long deadline(Duration d) {
    return System.nanoTime() + d.toNanos();
  }

  private String target() {
    return config.host() + ":" + config.port();
  }
}
