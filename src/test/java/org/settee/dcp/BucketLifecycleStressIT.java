package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketRegistry.ShutdownStep;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.LogWatch;
import org.settee.testing.Resources;

/**
 * Rounds of: create a bucket, load it from several KV threads while DCP streams follow it and new
 * stream requests keep arriving, then delete it, with more work arriving exactly at one step of the
 * shutdown (the registry's hook, as the seed 004 review suggests, not sleeps). Each round takes
 * every step in turn. Seeds 001 and 004 were this race in kv_engine.
 *
 * <p>It holds that nothing unexpected is logged, no client call waits past its timeout, no thread
 * is left stuck, file handles and threads come back to their baseline, and the name is free at once
 * for a new, empty bucket. The suite runs {@value #DEFAULT_ROUNDS} rounds; {@code
 * -Dsettee.stress.rounds=N} runs more.
 */
class BucketLifecycleStressIT {
  private static final int DEFAULT_ROUNDS = 2;
  private static final int ROUNDS = Integer.getInteger("settee.stress.rounds", DEFAULT_ROUNDS);
  private static final String BUCKET = "stress";
  private static final int VBUCKETS = 64;
  private static final int KV_THREADS = 3;
  private static final int STREAMING_CONNECTIONS = 2;

  /** Load before the delete: enough that streams are backfilling and following at once. */
  private static final int WRITES_BEFORE_DELETE = 3_000;

  private static final Duration DELETE_DEADLINE = Duration.ofSeconds(30);

  /** A client thread must be done this long after the delete: its calls' timeout plus slack. */
  private static final Duration CLIENT_DEADLINE =
      DcpTestConnection.READ_TIMEOUT.plus(Duration.ofSeconds(5));

  @TempDir Path dir;

  @Test
  void bucketsComeAndGoUnderLoadWithWorkArrivingAtEveryShutdownStep() throws Exception {
    try (LogWatch log = LogWatch.warnings();
        EmbeddedNode node = EmbeddedNode.start(dir)) {
      // The first cycle starts what lives as long as the node (loops, pools): not a leak.
      new Cycle(node, 0, null).run();
      Resources baseline = Resources.now();
      int cycle = 1;
      for (int round = 0; round < ROUNDS; round++) {
        for (ShutdownStep step : ShutdownStep.values()) {
          new Cycle(node, cycle++, step).run();
          baseline.awaitBack();
        }
      }
      assertThat(log.unexpected()).as("warnings and errors logged").isEmpty();
    }
  }

  /** One create -> load -> delete, with arrivals at {@code step} (none when null). */
  private static final class Cycle {
    private final EmbeddedNode node;
    private final int number;
    private final ShutdownStep step;
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong streamed = new AtomicLong();
    private volatile boolean deleting;

    Cycle(EmbeddedNode node, int number, ShutdownStep step) {
      this.node = node;
      this.number = number;
      this.step = step;
    }

    void run() throws Exception {
      node.node()
          .createBucket(new BucketSettings(BUCKET, BucketType.COUCHBASE, 256, VBUCKETS, true));
      assertEmpty();
      ExecutorService clients = Executors.newCachedThreadPool();
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < KV_THREADS; t++) {
        int thread = t;
        running.add(clients.submit(() -> writeUntilGone(thread)));
      }
      for (int s = 0; s < STREAMING_CONNECTIONS; s++) {
        int stream = s;
        running.add(clients.submit(() -> streamUntilGone(stream)));
      }
      running.add(clients.submit(this::requestStreamsUntilGone));
      boolean loaded =
          EmbeddedNode.await(
              Duration.ofSeconds(60),
              () -> writes.get() >= WRITES_BEFORE_DELETE && streamed.get() > 0 || !ok());
      assertThat(failures).as("cycle %d before the delete", number).isEmpty();
      assertThat(loaded).as("cycle %d: load and streams under way", number).isTrue();

      Arrivals arrivals = step == null ? null : new Arrivals();
      node.node()
          .buckets()
          .shutdownHook(
              (name, at) -> {
                if (name.equals(BUCKET) && at == step) {
                  arrivals.arrive(at);
                }
              });
      ExecutorService deleter = Executors.newSingleThreadExecutor();
      try {
        deleting = true;
        Future<Boolean> deleted = deleter.submit(() -> node.node().deleteBucket(BUCKET));
        assertThat(deleted.get(DELETE_DEADLINE.toSeconds(), TimeUnit.SECONDS))
            .as("cycle %d: the delete", number)
            .isTrue();
      } finally {
        node.node().buckets().shutdownHook((name, at) -> {});
        deleter.shutdownNow();
      }
      if (arrivals != null) {
        failures.addAll(arrivals.failures);
      }
      clients.shutdown();
      long deadline = System.nanoTime() + CLIENT_DEADLINE.toNanos();
      for (Future<?> f : running) {
        try {
          f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          failures.add(
              "a client thread was still running " + CLIENT_DEADLINE + " after the delete");
        }
      }
      clients.shutdownNow();
      assertThat(failures).as("cycle %d, arrivals at %s", number, step).isEmpty();
    }

    private boolean ok() {
      return failures.isEmpty();
    }

    /** A new bucket of a reused name starts with nothing: every vBucket at seqno 0, no keys. */
    private void assertEmpty() {
      try (DcpTestConnection c =
          DcpTestConnection.open(
              node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET)) {
        DcpTestConnection.Frame seqnos =
            c.call(DcpTestConnection.GET_ALL_VB_SEQNOS, 0, new byte[0], new byte[0], new byte[0]);
        c.expectSuccess(seqnos, "GET_ALL_VB_SEQNOS");
        ByteBuffer pairs = ByteBuffer.wrap(seqnos.value());
        assertThat(pairs.remaining()).isEqualTo(VBUCKETS * 10);
        while (pairs.hasRemaining()) {
          int vb = pairs.getShort() & 0xffff;
          assertThat(pairs.getLong()).as("cycle %d: high seqno of vBucket %d", number, vb).isZero();
        }
      }
    }

    /** Writes (and reads back) until the bucket goes; any failure before that is a finding. */
    private void writeUntilGone(int thread) {
      try (Client c = Client.open(node, this)) {
        if (c == null) {
          return;
        }
        for (int i = 0; ; i++) {
          String key = "c" + number + "-t" + thread + "-" + i;
          DcpTestConnection.Frame set = c.call(Op.set(key, "v" + i));
          if (set == null) {
            return;
          }
          if (set.status() != 0) {
            refusedUnlessDeleting("SET " + key, set);
            return;
          }
          writes.incrementAndGet();
          DcpTestConnection.Frame get = c.call(Op.get(key));
          if (get == null) {
            return;
          }
          if (get.status() != 0) {
            refusedUnlessDeleting("GET " + key, get);
            return;
          }
        }
      }
    }

    /**
     * One DCP producer streaming every vBucket from 0 to forever: backfill, then memory. Per
     * vBucket the seqnos it is sent must rise; it reads until the server closes the connection.
     */
    private void streamUntilGone(int stream) {
      try (Client c = Client.open(node, this)) {
        if (c == null) {
          return;
        }
        if (!opened(c, "stress-" + number + "-" + stream)) {
          return;
        }
        for (int vb = 0; vb < VBUCKETS; vb++) {
          if (!c.send(Op.streamRequest(vb))) {
            return;
          }
        }
        Map<Integer, Long> lastSeqno = new HashMap<>();
        while (true) {
          DcpTestConnection.Frame f = c.read();
          if (f == null) {
            return;
          }
          if (f.isResponse()) {
            if (f.status() != 0) {
              refusedUnlessDeleting("STREAM_REQ", f);
            }
            continue;
          }
          if (f.opcode() == DcpTestConnection.DCP_MUTATION
              || f.opcode() == DcpTestConnection.DCP_DELETION) {
            long seqno = f.extrasLong(0);
            Long last = lastSeqno.put(f.vbucket(), seqno);
            if (last != null && seqno <= last) {
              failures.add(
                  "vBucket "
                      + f.vbucket()
                      + " sent seqno "
                      + seqno
                      + " after "
                      + last
                      + " (stream)");
            }
            streamed.incrementAndGet();
          }
        }
      }
    }

    /** New connections asking for a stream, one after another, until the bucket is gone. */
    private void requestStreamsUntilGone() {
      for (int n = 0; ; n++) {
        try (Client c = Client.open(node, this)) {
          if (c == null) {
            return;
          }
          if (!opened(c, "late-" + number + "-" + n)) {
            return;
          }
          int vb = ThreadLocalRandom.current().nextInt(VBUCKETS);
          DcpTestConnection.Frame response = c.call(Op.streamRequest(vb));
          if (response == null) {
            return;
          }
          if (response.status() != 0) {
            refusedUnlessDeleting("STREAM_REQ", response);
            return;
          }
        }
      }
    }

    /** DCP_OPEN as a producer; false once the bucket is going (refused or hung up). */
    private boolean opened(Client c, String name) {
      DcpTestConnection.Frame open = c.call(Op.dcpOpen(name));
      if (open == null) {
        return false;
      }
      if (open.status() != 0) {
        refusedUnlessDeleting("DCP_OPEN", open);
        return false;
      }
      return true;
    }

    private void refusedUnlessDeleting(String what, DcpTestConnection.Frame response) {
      if (!deleting) {
        failures.add(what + " failed before the delete began: status 0x" + hex(response));
      }
    }

    /**
     * Work that arrives at the chosen step, on the deleting thread itself: a STREAM_REQ on a
     * producer already bound to the bucket (seed 001), a new connection selecting the bucket, and a
     * producer whose streams are being closed by its client at the same time as by the shutdown
     * (seed 004). Whatever arrives after shutdown began must be refused, never served.
     */
    private final class Arrivals {
      private final List<String> failures = new ArrayList<>();
      private final Client bound;
      private final Client closing;

      Arrivals() {
        bound = Client.open(node, Cycle.this);
        assertThat(bound).isNotNull();
        assertThat(opened(bound, "bound-" + number)).isTrue();
        closing = Client.open(node, Cycle.this);
        assertThat(closing).isNotNull();
        assertThat(opened(closing, "closing-" + number)).isTrue();
        for (int vb = 0; vb < VBUCKETS; vb++) {
          assertThat(closing.send(Op.streamRequest(vb))).isTrue();
        }
      }

      void arrive(ShutdownStep at) {
        // Seed 004: the client closes every stream and hangs up while the bucket closes them too.
        for (int vb = 0; vb < VBUCKETS && closing.send(Op.closeStream(vb)); vb++) {
          // each close is a separate request racing the shutdown
        }
        closing.close();
        // Seed 001: a stream request on a producer the shutdown has not (or has) disconnected yet.
        DcpTestConnection.Frame late = bound.call(Op.streamRequest(0));
        if (late != null && late.status() == 0) {
          failures.add("STREAM_REQ accepted at " + at + " (seed 001)");
        }
        bound.close();
        try (Client fresh = Client.open(node, Cycle.this)) {
          if (fresh != null) {
            failures.add("SELECT_BUCKET " + BUCKET + " succeeded at " + at);
          }
        }
      }
    }
  }

  private static String hex(DcpTestConnection.Frame f) {
    return Integer.toHexString(f.status());
  }

  /** A request this test sends: an opcode, a vBucket, extras, key, value. */
  private record Op(int opcode, int vbucket, byte[] extras, byte[] key, byte[] value) {
    private static final byte[] NONE = new byte[0];

    static Op set(String key, String value) {
      byte[] extras = ByteBuffer.allocate(8).putInt(0).putInt(0).array();
      return new Op(
          0x01,
          vbucketOf(key),
          extras,
          DcpTestConnection.bytes(key),
          DcpTestConnection.bytes(value));
    }

    static Op get(String key) {
      return new Op(0x00, vbucketOf(key), NONE, DcpTestConnection.bytes(key), NONE);
    }

    static Op dcpOpen(String name) {
      byte[] extras =
          ByteBuffer.allocate(8).putInt(0).putInt(DcpTestConnection.FLAG_PRODUCER).array();
      return new Op(DcpTestConnection.DCP_OPEN, 0, extras, DcpTestConnection.bytes(name), NONE);
    }

    static Op streamRequest(int vb) {
      ByteBuffer extras = ByteBuffer.allocate(48);
      extras.putInt(0).putInt(0).putLong(0).putLong(DcpTestConnection.NO_END).putLong(0);
      extras.putLong(0).putLong(0);
      return new Op(DcpTestConnection.DCP_STREAM_REQ, vb, extras.array(), NONE, NONE);
    }

    static Op closeStream(int vb) {
      return new Op(DcpTestConnection.DCP_CLOSE_STREAM, vb, NONE, NONE, NONE);
    }

    private static int vbucketOf(String key) {
      return org.settee.testing.KvTestClient.vbucketOf(DcpTestConnection.bytes(key), VBUCKETS);
    }
  }

  /**
   * A connection that treats the server hanging up as the normal end of its work (the bucket went
   * away) and anything taking longer than its timeout as a failure of the cycle.
   */
  private static final class Client implements AutoCloseable {
    private final DcpTestConnection connection;
    private final Cycle cycle;

    private Client(DcpTestConnection connection, Cycle cycle) {
      this.connection = connection;
      this.cycle = cycle;
    }

    /**
     * Authenticated with the bucket selected, or null when the bucket is not there to select (while
     * {@code cycle} is deleting, that is the expected end; before, a failure).
     */
    static Client open(EmbeddedNode node, Cycle cycle) {
      try {
        return new Client(
            DcpTestConnection.open(
                node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET),
            cycle);
      } catch (AssertionError | RuntimeException refused) {
        if (!cycle.deleting) {
          cycle.failures.add("connecting before the delete: " + refused);
        }
        if (timedOut(refused)) {
          cycle.failures.add("connecting took longer than its timeout: " + refused);
        }
        return null;
      }
    }

    /** Sends a request and reads to its response; null once the server has hung up. */
    DcpTestConnection.Frame call(Op op) {
      try {
        int opaque = connection.send(op.opcode, op.vbucket, op.extras, op.key, op.value);
        return connection.awaitResponse(opaque, new ArrayList<>());
      } catch (AssertionError | RuntimeException e) {
        return ended(e);
      }
    }

    boolean send(Op op) {
      try {
        connection.send(op.opcode, op.vbucket, op.extras, op.key, op.value);
        return true;
      } catch (RuntimeException e) {
        return ended(e) != null;
      }
    }

    DcpTestConnection.Frame read() {
      try {
        return connection.read(DcpTestConnection.READ_TIMEOUT);
      } catch (AssertionError e) {
        return ended(e);
      }
    }

    private DcpTestConnection.Frame ended(Throwable e) {
      if (timedOut(e)) {
        cycle.failures.add("a call took longer than its timeout: " + e);
      } else if (!cycle.deleting) {
        cycle.failures.add("the connection ended before the delete: " + e);
      }
      return null;
    }

    private static boolean timedOut(Throwable e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof SocketTimeoutException) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void close() {
      connection.close();
    }
  }
}
