package org.settee.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.net.ConnectionRegistry;
import org.settee.testing.EmbeddedNode;
import org.settee.util.ManualClock;

/**
 * A real memcached client, spymemcached 2.12 over the binary protocol, against an embedded node:
 * SASL PLAIN with the legacy rule that a user named like a bucket lands in it, every classic
 * command, pipelined bulk gets, and the anonymous default-bucket mode.
 */
class MemcachedClientIT {
  private static final long OP_TIMEOUT_MILLIS = 5_000;

  @TempDir static Path dataDir;
  @TempDir static Path anonymousDataDir;
  private static final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private static EmbeddedNode node;

  private final List<MemcachedClient> clients = new ArrayList<>();
  private MemcachedClient client;

  @BeforeAll
  static void startNode() {
    // spymemcached logs to stderr unless told otherwise
    System.setProperty("net.spy.log.LoggerImpl", "net.spy.memcached.compat.log.SLF4JLogger");
    node = EmbeddedNode.start(dataDir, o -> o.clock(clock));
    node.node().createBucket(new BucketSettings("cache", BucketType.COUCHBASE, 100, 64, true));
    node.addUser("default", "default-pw", "bucket_full_access[default]");
    node.addUser("cache", "cache-pw", "bucket_full_access[cache]");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @BeforeEach
  void connect() throws IOException {
    client = connect(node, "default", "default-pw", OP_TIMEOUT_MILLIS);
  }

  @AfterEach
  void shutdownClients() {
    clients.forEach(c -> c.shutdown(5, TimeUnit.SECONDS));
  }

  /** A binary-protocol client; authenticates with PLAIN unless {@code user} is null. */
  private MemcachedClient connect(EmbeddedNode target, String user, String password, long opTimeout)
      throws IOException {
    return connect(target, user, password, opTimeout, FailureMode.Redistribute);
  }

  /**
   * As above; with {@link FailureMode#Cancel} an operation queued while the client is not connected
   * and authenticated is cancelled instead of waiting (Redistribute, the default, waits for the
   * only node to come back).
   */
  private MemcachedClient connect(
      EmbeddedNode target, String user, String password, long opTimeout, FailureMode mode)
      throws IOException {
    ConnectionFactoryBuilder builder =
        new ConnectionFactoryBuilder()
            .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
            .setOpTimeout(opTimeout)
            .setAuthWaitTime(opTimeout)
            .setFailureMode(mode)
            .setDaemon(true);
    if (user != null) {
      builder.setAuthDescriptor(
          new AuthDescriptor(new String[] {"PLAIN"}, new PlainCallbackHandler(user, password)));
    }
    MemcachedClient c =
        new MemcachedClient(
            builder.build(), List.of(new InetSocketAddress("127.0.0.1", target.kvPort())));
    clients.add(c);
    return c;
  }

  private static boolean await(Future<Boolean> f) throws Exception {
    return f.get(OP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Test
  void setGetAddReplaceDelete() throws Exception {
    assertThat(await(client.set("spy-doc", 0, "one"))).isTrue();
    assertThat(client.get("spy-doc")).isEqualTo("one");
    assertThat(await(client.add("spy-doc", 0, "two"))).isFalse();
    assertThat(await(client.add("spy-new", 0, "added"))).isTrue();
    assertThat(await(client.replace("spy-missing", 0, "x"))).isFalse();
    assertThat(await(client.replace("spy-doc", 0, "three"))).isTrue();
    assertThat(client.get("spy-doc")).isEqualTo("three");
    assertThat(await(client.delete("spy-doc"))).isTrue();
    assertThat(await(client.delete("spy-doc"))).isFalse();
    assertThat(client.get("spy-doc")).isNull();
    assertThat(client.get("spy-missing")).isNull();
  }

  @Test
  void flagsCarryTheValueType() throws Exception {
    await(client.set("spy-int", 0, 42));
    await(client.set("spy-long", 0, 1L << 40));
    assertThat(client.get("spy-int")).isEqualTo(42);
    assertThat(client.get("spy-long")).isEqualTo(1L << 40);
  }

  @Test
  void casWithGets() throws Exception {
    await(client.set("spy-cas", 0, "v1"));
    CASValue<Object> first = client.gets("spy-cas");
    assertThat(first.getValue()).isEqualTo("v1");
    assertThat(client.cas("spy-cas", first.getCas(), "v2")).isEqualTo(CASResponse.OK);
    assertThat(client.cas("spy-cas", first.getCas(), "v3")).isEqualTo(CASResponse.EXISTS);
    assertThat(client.get("spy-cas")).isEqualTo("v2");
    assertThat(client.cas("spy-cas-missing", 12345, "v")).isEqualTo(CASResponse.NOT_FOUND);
    CASValue<Object> second = client.gets("spy-cas");
    assertThat(second.getCas()).isNotEqualTo(first.getCas());
  }

  @Test
  void incrementAndDecrement() throws Exception {
    assertThat(client.incr("spy-counter", 5, 10)).isEqualTo(10);
    assertThat(client.incr("spy-counter", 5)).isEqualTo(15);
    assertThat(client.decr("spy-counter", 3)).isEqualTo(12);
    assertThat(client.decr("spy-counter", 100)).isZero();
    assertThat(client.incr("spy-counter-missing", 1)).isEqualTo(-1);
    assertThat(client.decr("spy-counter-missing", 1, 7)).isEqualTo(7);
    assertThat(client.get("spy-counter")).isEqualTo("0");
  }

  @Test
  void appendAndPrepend() throws Exception {
    await(client.set("spy-concat", 0, "middle"));
    assertThat(await(client.append("spy-concat", "-end"))).isTrue();
    assertThat(await(client.prepend("spy-concat", "start-"))).isTrue();
    assertThat(client.get("spy-concat")).isEqualTo("start-middle-end");
    assertThat(await(client.append("spy-concat-missing", "x"))).isFalse();
  }

  @Test
  void expiryTouchAndGetAndTouch() throws Exception {
    await(client.set("spy-expiring", 10, "v"));
    await(client.set("spy-touched", 10, "v"));
    await(client.set("spy-gat", 10, "gat"));
    assertThat(await(client.touch("spy-touched", 100))).isTrue();
    CASValue<Object> gat = client.getAndTouch("spy-gat", 100);
    assertThat(gat.getValue()).isEqualTo("gat");
    assertThat(await(client.touch("spy-touch-missing", 100))).isFalse();

    clock.advanceSeconds(11);
    assertThat(client.get("spy-expiring")).isNull();
    assertThat(client.get("spy-touched")).isEqualTo("v");
    assertThat(client.get("spy-gat")).isEqualTo("gat");
    clock.advanceSeconds(90);
    assertThat(client.get("spy-touched")).isNull();
    assertThat(client.get("spy-gat")).isNull();
  }

  @Test
  void aOneMebibyteValue() throws Exception {
    byte[] value = new byte[1024 * 1024];
    new Random(1).nextBytes(value);
    assertThat(await(client.set("spy-big", 0, value))).isTrue();
    assertThat((byte[]) client.get("spy-big")).isEqualTo(value);
  }

  @Test
  void bulkGetReturnsTheHits() throws Exception {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      keys.add("spy-bulk-" + i);
      if (i % 2 == 0) {
        await(client.set("spy-bulk-" + i, 0, "value-" + i));
      }
    }
    Map<String, Object> found = client.getBulk(keys);
    assertThat(found).hasSize(100);
    for (int i = 0; i < 200; i += 2) {
      assertThat(found).containsEntry("spy-bulk-" + i, "value-" + i);
    }
  }

  @Test
  void flushEmptiesTheBucket() throws Exception {
    await(client.set("spy-flushed", 0, "v"));
    assertThat(await(client.flush())).isTrue();
    assertThat(client.get("spy-flushed")).isNull();
    assertThat(await(client.set("spy-after-flush", 0, "v"))).isTrue();
  }

  @Test
  void aSecondBucketThroughItsNamesakeUser() throws Exception {
    MemcachedClient cache = connect(node, "cache", "cache-pw", OP_TIMEOUT_MILLIS);
    assertThat(await(cache.set("spy-bucket-doc", 0, "in cache"))).isTrue();
    await(client.set("spy-bucket-doc", 0, "in default"));
    assertThat(cache.get("spy-bucket-doc")).isEqualTo("in cache");
    assertThat(client.get("spy-bucket-doc")).isEqualTo("in default");
  }

  @Test
  void aWrongPasswordNeverReachesTheData() throws Exception {
    await(client.set("spy-secret", 0, "secret"));
    ConnectionRegistry connections = node.node().connections();
    // the earlier tests' clients are gone: only this test's client is connected
    assertThat(EmbeddedNode.await(Duration.ofSeconds(5), () -> connections.openCount() == 1))
        .isTrue();
    long seenBefore = connections.totalCount();
    MemcachedClient intruder = connect(node, "default", "wrong-password", 500, FailureMode.Cancel);
    // spymemcached drops a connection whose SASL_AUTH failed and reconnects later: wait for one
    // such rejected connection, so the operations below come from a client that tried to log in
    assertThat(
            EmbeddedNode.await(
                Duration.ofSeconds(5),
                () -> connections.totalCount() > seenBefore && connections.openCount() == 1))
        .isTrue();
    long start = System.nanoTime();

    assertThat(succeeded(intruder.set("spy-intruder", 0, "v"))).isFalse();
    assertThat(succeeded(intruder.delete("spy-secret"))).isFalse();
    assertThat(readOrNull(intruder, "spy-secret")).isNull();
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(10);

    assertThat(client.get("spy-intruder")).isNull();
    assertThat(client.get("spy-secret")).isEqualTo("secret");
  }

  /** True only if the operation completed and reported success; a failure of any kind is false. */
  private static boolean succeeded(Future<Boolean> f) {
    try {
      return f.get(3, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | CancellationException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Object readOrNull(MemcachedClient c, String key) {
    try {
      return c.asyncGet(key).get(3, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | CancellationException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void anonymousDefaultBucket() throws Exception {
    try (EmbeddedNode open =
        EmbeddedNode.start(anonymousDataDir, o -> o.unauthenticatedDefaultBucket(true))) {
      MemcachedClient anonymous = connect(open, null, null, OP_TIMEOUT_MILLIS);
      assertThat(await(anonymous.set("spy-anonymous", 0, "v"))).isTrue();
      assertThat(anonymous.get("spy-anonymous")).isEqualTo("v");
      assertThat(anonymous.incr("spy-anonymous-counter", 1, 1)).isEqualTo(1);
      assertThat(anonymous.getBulk(List.of("spy-anonymous", "nope")))
          .containsOnlyKeys("spy-anonymous");
      anonymous.shutdown(5, TimeUnit.SECONDS);
    }
  }
}
