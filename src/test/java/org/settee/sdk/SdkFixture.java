package org.settee.sdk;

import ch.qos.logback.classic.Level;
import com.couchbase.client.core.cnc.Event;
import com.couchbase.client.core.cnc.events.config.ConfigIgnoredEvent;
import com.couchbase.client.core.cnc.events.config.ConfigIgnoredEvent.Reason;
import com.couchbase.client.core.env.Authenticator;
import com.couchbase.client.core.env.SeedNode;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.env.ClusterEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.settee.node.NodeOptions;
import org.settee.node.SetteeNode;
import org.settee.security.Role;
import org.slf4j.LoggerFactory;

/**
 * An embedded Settee node and the official Couchbase Java SDK clusters connected to it: short SDK
 * timeouts so that failures are fast, every SDK event recorded so that a failing test can say what
 * the SDK saw (a rejected configuration, a failed handshake step), everything closed with the
 * fixture.
 *
 * <p>Run with {@code -Dsettee.sdk.debug=true} to log the SDK at DEBUG.
 */
final class SdkFixture implements AutoCloseable {
  static final String ADMIN = "Administrator";
  static final String ADMIN_PASSWORD = "password";
  static final String BUCKET = "default";

  static final Duration KV_TIMEOUT = Duration.ofMillis(2500);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration MANAGEMENT_TIMEOUT = Duration.ofSeconds(5);

  private final SetteeNode node;
  private final List<Connected> clusters = new ArrayList<>();

  /** A cluster handle and everything its environment published. */
  record Connected(Cluster cluster, ConcurrentLinkedQueue<Event> events, RecordingEventBus bus) {
    /** The events of a type, for assertions and failure messages. */
    List<Event> events(Class<? extends Event> type) {
      return events.stream().filter(type::isInstance).toList();
    }

    /**
     * Configurations the SDK could not use, with its reason. Configurations it ignores because it
     * already has that revision are normal and not listed.
     */
    List<String> rejectedConfigs() {
      return events.stream()
          .filter(e -> e instanceof ConfigIgnoredEvent i && i.reason() == Reason.PARSE_FAILURE)
          .map(e -> e.description() + " cause: " + e.cause())
          .toList();
    }

    /**
     * Waits for the first event of a type, polling what was recorded until {@code timeout}.
     *
     * @throws AssertionError when none came, with the problems the SDK did report
     */
    <E extends Event> E awaitEvent(Class<E> type, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        for (Event e : events) {
          if (type.isInstance(e)) {
            return type.cast(e);
          }
        }
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError(
              "no " + type.getSimpleName() + " within " + timeout + "; problems: " + problems());
        }
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }

    /** Events at WARN or above, described: what a failure message should show. */
    List<String> problems() {
      return events.stream()
          .filter(e -> e.severity().ordinal() >= Event.Severity.WARN.ordinal())
          .map(e -> e.getClass().getSimpleName() + ": " + e.description())
          .toList();
    }
  }

  private SdkFixture(SetteeNode node) {
    this.node = node;
  }

  static SdkFixture start(Path dataDir) {
    return start(dataDir, UnaryOperator.identity());
  }

  static SdkFixture start(Path dataDir, UnaryOperator<NodeOptions.Builder> options) {
    // Tests connect several Cluster instances on purpose (one per credential).
    Cluster.maxAllowedInstances(64);
    if (Boolean.getBoolean("settee.sdk.debug")) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("com.couchbase"))
          .setLevel(Level.DEBUG);
    }
    NodeOptions.Builder b = NodeOptions.forTests(dataDir).toBuilder();
    return new SdkFixture(new SetteeNode(options.apply(b).build()).start());
  }

  SetteeNode node() {
    return node;
  }

  int kvPort() {
    return node.kvPort();
  }

  /** The management port the node advertises. */
  int mgmtPort() {
    return node.services().mgmt();
  }

  /** The seed: the KV and management ports (absent ports mean 11210 and 8091 to the SDK). */
  Set<SeedNode> seeds() {
    return Set.of(SeedNode.create("127.0.0.1", Optional.of(kvPort()), Optional.of(mgmtPort())));
  }

  /** The same seed as a connection string, in the SDK's {@code host:port=service} syntax. */
  String connectionString() {
    return "couchbase://127.0.0.1:" + kvPort() + "=kv,127.0.0.1:" + mgmtPort() + "=manager";
  }

  Connected connectAdmin() {
    return connect(ADMIN, ADMIN_PASSWORD);
  }

  /** Connects a new cluster handle as {@code user}; it is disconnected with the fixture. */
  Connected connect(String user, String password) {
    return connect(seeds(), user, password);
  }

  /** Connects as the administrator with more environment settings on top of the fixture's. */
  Connected connectAdmin(Consumer<ClusterEnvironment.Builder> environment) {
    return connect(seeds(), ADMIN, ADMIN_PASSWORD, environment);
  }

  Connected connect(
      Set<SeedNode> seeds,
      String user,
      String password,
      Consumer<ClusterEnvironment.Builder> environment) {
    ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
    RecordingEventBus bus = startBus(events);
    return register(Cluster.connect(seeds, options(user, password, bus, environment)), events, bus);
  }

  Connected connect(Set<SeedNode> seeds, String user, String password) {
    return connect(seeds, user, password, env -> {});
  }

  Connected connect(String connectionString, String user, String password) {
    return connect(connectionString, user, password, env -> {});
  }

  Connected connect(
      String connectionString,
      String user,
      String password,
      Consumer<ClusterEnvironment.Builder> environment) {
    ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
    RecordingEventBus bus = startBus(events);
    return register(
        Cluster.connect(connectionString, options(user, password, bus, environment)), events, bus);
  }

  /** Connects with any authenticator (a client certificate, say) and environment settings. */
  Connected connect(
      String connectionString,
      Authenticator authenticator,
      Consumer<ClusterEnvironment.Builder> environment) {
    ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
    RecordingEventBus bus = startBus(events);
    ClusterOptions options =
        withEnvironment(ClusterOptions.clusterOptions(authenticator), bus, environment);
    return register(Cluster.connect(connectionString, options), events, bus);
  }

  private static RecordingEventBus startBus(ConcurrentLinkedQueue<Event> events) {
    RecordingEventBus bus = new RecordingEventBus(events);
    bus.start().block(Duration.ofSeconds(5));
    return bus;
  }

  private synchronized Connected register(
      Cluster cluster, ConcurrentLinkedQueue<Event> events, RecordingEventBus bus) {
    Connected c = new Connected(cluster, events, bus);
    clusters.add(c);
    return c;
  }

  /** Short timeouts; the cluster owns its environment, so disconnecting shuts it down. */
  private static ClusterOptions options(
      String user,
      String password,
      RecordingEventBus bus,
      Consumer<ClusterEnvironment.Builder> environment) {
    return withEnvironment(ClusterOptions.clusterOptions(user, password), bus, environment);
  }

  private static ClusterOptions withEnvironment(
      ClusterOptions options,
      RecordingEventBus bus,
      Consumer<ClusterEnvironment.Builder> environment) {
    return options.environment(
        env -> {
          env.timeoutConfig(
                  t ->
                      t.kvTimeout(KV_TIMEOUT)
                          .connectTimeout(CONNECT_TIMEOUT)
                          .managementTimeout(MANAGEMENT_TIMEOUT)
                          .disconnectTimeout(Duration.ofSeconds(5)))
              .eventBus(bus);
          environment.accept(env);
        });
  }

  /** Adds a user with roles in Couchbase notation ({@code data_reader[default]}). */
  void addUser(String name, String password, String... roles) {
    node.users().upsert(name, password, Arrays.stream(roles).map(Role::parse).toList());
  }

  @Override
  public synchronized void close() {
    try {
      for (Connected c : clusters) {
        try {
          c.cluster().disconnect(Duration.ofSeconds(5));
        } finally {
          c.bus().stop(Duration.ofSeconds(5)).block();
        }
      }
      clusters.clear();
    } finally {
      node.close();
    }
  }
}
