package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.settee.protocol.Datatype;
import org.settee.protocol.Opcode;
import org.settee.protocol.Request;
import org.settee.protocol.Response;
import org.settee.protocol.Status;

/** Drives the whole bench (event loops, pipelining, phases) against a scripted fake server. */
@Timeout(60)
class BenchRunnerTest {
  private static final byte[] EMPTY = new byte[0];
  private static final byte[] FLAGS = new byte[4];

  private final List<String> progress = new CopyOnWriteArrayList<>();

  static List<Supplier<Transport>> transports() {
    return List.of(Transport::best, Transport::nio);
  }

  /** A config for tests: small, counted, no warm-up; {@code port} filled in per test. */
  private static BenchConfig config(int port, long ops, String user, String bucket) {
    return new BenchConfig(
        "127.0.0.1",
        port,
        2,
        4,
        0.7,
        32,
        50,
        Duration.ofSeconds(1),
        ops,
        user,
        user == null ? null : "pw",
        bucket,
        64,
        true,
        Duration.ZERO);
  }

  private BenchResult run(BenchConfig config) {
    return new BenchRunner(config, progress::add, Transport.best(), Duration.ofSeconds(10)).run();
  }

  /** Stores SETs and answers GETs from the store, as memcached would. */
  private static FakeKvServer.Behaviour memcachedLike(Map<String, byte[]> store) {
    return (request, out) -> {
      String key = new String(request.key(), StandardCharsets.UTF_8);
      switch (request.opcode()) {
        case SET -> {
          store.put(key, request.valueBytes());
          Response.writeStatus(out, request.opcodeByte(), Status.SUCCESS, request.opaque(), 1);
        }
        case GET -> {
          byte[] value = store.get(key);
          if (value == null) {
            Response.write(
                out,
                request.opcodeByte(),
                Status.KEY_ENOENT,
                request.opaque(),
                0,
                Datatype.RAW,
                EMPTY,
                EMPTY,
                "Not found".getBytes(StandardCharsets.UTF_8));
          } else {
            Response.write(
                out,
                request.opcodeByte(),
                Status.SUCCESS,
                request.opaque(),
                1,
                Datatype.RAW,
                FLAGS,
                EMPTY,
                value);
          }
        }
        default -> answer(request, out, Status.SUCCESS);
      }
      return true;
    };
  }

  private static void answer(Request request, ByteBuf out, Status status) {
    Response.writeStatus(out, request.opcodeByte(), status, request.opaque(), 0);
  }

  @ParameterizedTest
  @MethodSource("transports")
  void runsTheCountedOperationsAndCountsHits(Supplier<Transport> transport) throws IOException {
    Map<String, byte[]> store = new ConcurrentHashMap<>();
    try (FakeKvServer server = new FakeKvServer(memcachedLike(store))) {
      BenchConfig config = config(server.port(), 2_001, null, null);

      BenchResult result =
          new BenchRunner(config, progress::add, transport.get(), Duration.ofSeconds(10)).run();

      assertThat(result.ops()).isEqualTo(2_001);
      assertThat(result.gets() + result.sets()).isEqualTo(2_001);
      assertThat(result.gets()).isBetween(1_200L, 1_600L); // 70 % of 2,001, give or take
      assertThat(result.hits()).as("every key was populated").isEqualTo(result.gets());
      assertThat(result.misses()).isZero();
      assertThat(result.errors()).isZero();
      assertThat(result.errorsByStatus()).isEmpty();
      assertThat(result.populateErrors()).isZero();
      assertThat(result.duration()).isPositive();
      assertThat(result.latency().p50()).isPositive();
      assertThat(result.latency().max()).isGreaterThanOrEqualTo(result.latency().p999());
      assertThat(result.transport()).isEqualTo(transport.get().name());
      assertThat(store).hasSize(50);
      assertThat(store.values()).allSatisfy(v -> assertThat(v).hasSize(32));
      assertThat(progress).anyMatch(line -> line.startsWith("populated 50 keys"));
    }
  }

  @Test
  void sendsEachKeyToItsVBucket() throws IOException {
    try (FakeKvServer server = new FakeKvServer(memcachedLike(new ConcurrentHashMap<>()))) {
      run(config(server.port(), 500, null, null));

      VBucketHash hash = new VBucketHash(64);
      assertThat(server.seen()).hasSize(50 + 500);
      assertThat(server.seen())
          .allSatisfy(
              r -> assertThat(r.vbucket()).isEqualTo(hash.vbucket(r.key(), r.key().length)));
      assertThat(server.seen().stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)))
          .allMatch(k -> k.matches("key-[0-9]|key-[1-4][0-9]"));
    }
  }

  @Test
  void countsNonSuccessAnswersByStatusButNotMisses() throws IOException {
    FakeKvServer.Behaviour tmpfail =
        (request, out) -> {
          answer(
              request, out, request.opcode() == Opcode.GET ? Status.KEY_ENOENT : Status.ETMPFAIL);
          return true;
        };
    try (FakeKvServer server = new FakeKvServer(tmpfail)) {
      BenchResult result = run(config(server.port(), 1_000, null, null));

      assertThat(result.ops()).isEqualTo(1_000);
      assertThat(result.misses()).isEqualTo(result.gets());
      assertThat(result.hits()).isZero();
      assertThat(result.errorsByStatus()).containsExactly(Map.entry(0x86, result.sets()));
      assertThat(result.errors()).isEqualTo(result.sets());
      assertThat(result.populateErrors()).isEqualTo(50);
      assertThat(result.format()).contains("ETMPFAIL 0x86");
    }
  }

  @Test
  void authenticatesWithSaslPlainThenSelectsTheBucket() throws IOException {
    Map<String, byte[]> store = new ConcurrentHashMap<>();
    FakeKvServer.Behaviour data = memcachedLike(store);
    try (FakeKvServer server = new FakeKvServer(data)) {
      BenchResult result = run(config(server.port(), 100, "alice", "travel"));

      assertThat(result.ops()).isEqualTo(100);
      List<FakeKvServer.Seen> sasl =
          server.seen().stream().filter(r -> r.opcode() == Opcode.SASL_AUTH.code()).toList();
      assertThat(sasl).hasSize(2); // one per connection
      assertThat(sasl)
          .allSatisfy(
              r -> {
                assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("PLAIN");
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("\0alice\0pw");
              });
      assertThat(server.seen().stream().filter(r -> r.opcode() == Opcode.SELECT_BUCKET.code()))
          .hasSize(2)
          .allSatisfy(
              r -> assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("travel"));
    }
  }

  @Test
  void reportsARefusedAuthentication() throws IOException {
    FakeKvServer.Behaviour refuse =
        (request, out) -> {
          answer(
              request,
              out,
              request.opcode() == Opcode.SASL_AUTH ? Status.AUTH_ERROR : Status.EACCESS);
          return true;
        };
    try (FakeKvServer server = new FakeKvServer(refuse)) {
      assertThatThrownBy(() -> run(config(server.port(), 100, "alice", "travel")))
          .isInstanceOf(BenchFailure.class)
          .hasMessageContaining("authentication as 'alice' (SASL PLAIN) failed")
          .hasMessageContaining("AUTH_ERROR");
    }
  }

  @Test
  void reportsARefusedBucket() throws IOException {
    FakeKvServer.Behaviour noBucket =
        (request, out) -> {
          answer(
              request,
              out,
              request.opcode() == Opcode.SELECT_BUCKET ? Status.KEY_ENOENT : Status.SUCCESS);
          return true;
        };
    try (FakeKvServer server = new FakeKvServer(noBucket)) {
      assertThatThrownBy(() -> run(config(server.port(), 100, null, "missing")))
          .isInstanceOf(BenchFailure.class)
          .hasMessageContaining("selecting bucket 'missing' failed")
          .hasMessageContaining("KEY_ENOENT");
    }
  }

  @Test
  void reportsAServerThatClosesTheConnection() throws IOException {
    AtomicInteger requests = new AtomicInteger();
    FakeKvServer.Behaviour hangUp =
        (request, out) -> {
          if (requests.incrementAndGet() == 300) {
            return false;
          }
          return memcachedLike(new ConcurrentHashMap<>()).handle(request, out);
        };
    try (FakeKvServer server = new FakeKvServer(hangUp)) {
      assertThatThrownBy(() -> run(config(server.port(), 100_000, null, null)))
          .isInstanceOf(BenchFailure.class)
          .hasMessageContaining("closed the connection while");
    }
  }

  @Test
  void reportsGarbage() throws IOException {
    FakeKvServer.Behaviour garbage =
        (request, out) -> {
          out.writeZero(24).setByte(0, 0x80); // a request magic where a response belongs
          return true;
        };
    try (FakeKvServer server = new FakeKvServer(garbage)) {
      assertThatThrownBy(() -> run(config(server.port(), 100, null, null)))
          .isInstanceOf(BenchFailure.class)
          .hasMessageContaining("invalid response magic 0x80");
    }
  }

  @Test
  void reportsAnAnswerToARequestNeverSent() throws IOException {
    FakeKvServer.Behaviour wrongOpaque =
        (request, out) -> {
          Response.writeStatus(out, request.opcodeByte(), Status.SUCCESS, 1_000_000, 0);
          return true;
        };
    try (FakeKvServer server = new FakeKvServer(wrongOpaque)) {
      assertThatThrownBy(() -> run(config(server.port(), 100, null, null)))
          .isInstanceOf(BenchFailure.class)
          .hasMessageContaining("answered a request that was not sent")
          .hasMessageContaining("opaque 1000000");
    }
  }

  @Test
  void reportsAServerThatStopsAnswering() throws IOException {
    try (FakeKvServer server = new FakeKvServer((request, out) -> true)) {
      BenchRunner runner =
          new BenchRunner(
              config(server.port(), 100, null, null),
              progress::add,
              Transport.best(),
              Duration.ofMillis(500));

      assertThatThrownBy(runner::run)
          .isInstanceOf(BenchFailure.class)
          .hasMessageContaining("no answer from 127.0.0.1:" + server.port())
          .hasMessageContaining("while populating");
    }
  }

  @Test
  void reportsARefusedConnection() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    BenchConfig config = config(port, 100, null, null);

    assertThatThrownBy(() -> run(config))
        .isInstanceOf(BenchFailure.class)
        .hasMessageContaining("cannot connect to 127.0.0.1:" + port);
  }

  @Test
  void aTimedRunWarmsUpMeasuresThenDrains() throws IOException {
    try (FakeKvServer server = new FakeKvServer(memcachedLike(new ConcurrentHashMap<>()))) {
      BenchConfig config =
          new BenchConfig(
              "127.0.0.1",
              server.port(),
              2,
              4,
              0.9,
              10,
              50,
              Duration.ofMillis(1_500),
              0,
              null,
              null,
              null,
              0,
              false,
              Duration.ofMillis(1_200));

      BenchResult result = run(config);

      assertThat(result.ops()).isPositive();
      assertThat(result.errors()).isZero();
      assertThat(result.duration()).isBetween(Duration.ofMillis(1_500), Duration.ofSeconds(5));
      assertThat(result.gets() + result.sets()).isEqualTo(result.ops());
      // Warm-up and timed requests were all sent; only the timed ones were counted.
      assertThat((long) server.seen().size()).isGreaterThan(result.ops());
      assertThat(progress).anyMatch(line -> line.contains("warming up"));
      assertThat(progress).anyMatch(line -> line.contains("measuring") && line.contains("total"));
    }
  }
}
