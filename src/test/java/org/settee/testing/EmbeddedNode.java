package org.settee.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.settee.kv.Bucket;
import org.settee.kv.VBucket;
import org.settee.node.NodeOptions;
import org.settee.node.SetteeNode;
import org.settee.security.Role;

/**
 * A Settee node embedded in a test: loopback, ephemeral port, its data in the test's temporary
 * directory, closed with the test. Hands out {@link KvTestClient}s connected to it.
 */
public final class EmbeddedNode implements AutoCloseable {
  public static final String ADMIN = "Administrator";
  public static final String ADMIN_PASSWORD = "password";
  public static final String DEFAULT_BUCKET = "default";

  private final SetteeNode node;

  private EmbeddedNode(SetteeNode node) {
    this.node = node;
  }

  /** Starts a node with {@link NodeOptions#forTests} options. */
  public static EmbeddedNode start(Path dataDir) {
    return start(dataDir, UnaryOperator.identity());
  }

  /** Starts a node with test options changed by {@code options}. */
  public static EmbeddedNode start(Path dataDir, UnaryOperator<NodeOptions.Builder> options) {
    NodeOptions built = options.apply(NodeOptions.forTests(dataDir).toBuilder()).build();
    return new EmbeddedNode(new SetteeNode(built).start());
  }

  public SetteeNode node() {
    return node;
  }

  public int kvPort() {
    return node.kvPort();
  }

  /** A new connection, not yet authenticated. */
  public KvTestClient connect() {
    return KvTestClient.connect(node.kvPort(), node.options().defaultBucketVBuckets());
  }

  /** A new connection authenticated as the administrator, with bucket {@code default} selected. */
  public KvTestClient admin() {
    return connectAs(ADMIN, ADMIN_PASSWORD, DEFAULT_BUCKET);
  }

  /** A new connection authenticated as {@code user}, with {@code bucket} selected unless null. */
  public KvTestClient connectAs(String user, String password, String bucket) {
    KvTestClient client = connect();
    try {
      return client.login(user, password, bucket);
    } catch (RuntimeException | AssertionError e) {
      client.close();
      throw e;
    }
  }

  /** Creates or replaces a user with roles in Couchbase notation. */
  public void addUser(String name, String password, String... roles) {
    node.users().upsert(name, password, Arrays.stream(roles).map(Role::parse).toList());
  }

  /** Whether every vBucket of {@code bucket} has persisted up to its high seqno within 20 s. */
  public static boolean awaitPersisted(Bucket bucket) {
    return await(
        Duration.ofSeconds(20),
        () -> {
          for (int i = 0; i < bucket.numVBuckets(); i++) {
            VBucket vb = bucket.vbucket(i);
            if (vb.persistedSeqno() < vb.highSeqno()) {
              return false;
            }
          }
          return true;
        });
  }

  /**
   * Polls {@code condition} until it holds or {@code timeout} passes: for outcomes the server
   * reaches asynchronously (connections closing), without asserting after a blind sleep.
   */
  public static boolean await(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    node.close();
  }
}
