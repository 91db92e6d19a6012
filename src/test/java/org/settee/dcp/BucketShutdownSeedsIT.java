package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.settee.kv.Bucket;
import org.settee.kv.BucketRegistry.ShutdownStep;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.storage.BucketStorage;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.LogWatch;

/**
 * Regression tests for the two DCP seed bugs of ../shared/seeds: 001 (a stream request accepted
 * while its bucket was shutting down, after the streams were closed: a destroyed backfill manager
 * was used) and 004 (bucket destruction and a worker closed one producer's streams at the same
 * time: one freed what the other used). The shutdown hook makes work arrive exactly between two
 * steps of the shutdown.
 */
class BucketShutdownSeedsIT {
  private static final String BUCKET = "seeds";
  private static final int VBUCKETS = 16;
  private static final int ITEMS = 4_000;
  private static final byte[] NONE = new byte[0];

  @TempDir Path dir;
  private EmbeddedNode node;
  private LogWatch log;

  @BeforeEach
  void start() {
    log = LogWatch.warnings();
    node = EmbeddedNode.start(dir);
  }

  @AfterEach
  void stop() {
    try {
      node.close();
    } finally {
      log.close();
    }
  }

  /**
   * Seed 001: at every step of the shutdown, a stream request on a producer bound to the bucket is
   * refused (or finds its connection closed), never served; by the time storage goes, every stream
   * of the bucket has let go of its vBucket, and the delete completes with nothing logged.
   */
  @ParameterizedTest
  @EnumSource(ShutdownStep.class)
  void seed001_aStreamRequestAfterShutdownBeganIsRefusedAndTouchesNothingTornDown(ShutdownStep step)
      throws Exception {
    Bucket bucket = createLoadedBucket();
    BucketStorage storage = node.node().storage(BUCKET);
    try (DcpTestConnection streaming = producer("streaming");
        DcpTestConnection late = producer("late")) {
      for (int vb = 0; vb < VBUCKETS; vb++) {
        streaming.sendStreamRequest(vb, 0, 0, DcpTestConnection.NO_END, 0, 0, 0);
      }
      List<String> seen = new ArrayList<>();
      node.node()
          .buckets()
          .shutdownHook(
              (name, at) -> {
                if (at == ShutdownStep.DISCONNECTED) {
                  seen.add("cursors at DISCONNECTED: " + streamCursors(bucket));
                }
                if (at == step) {
                  seen.add("STREAM_REQ at " + at + ": " + outcome(late));
                }
                if (at == ShutdownStep.TORN_DOWN) {
                  seen.add("scans at TORN_DOWN: " + storage.openScans());
                }
              });
      assertThat(deleteWithin(Duration.ofSeconds(30))).isTrue();
      assertThat(seen)
          .contains("cursors at DISCONNECTED: 0", "scans at TORN_DOWN: 0")
          .anyMatch(s -> s.startsWith("STREAM_REQ at " + step + ": refused"))
          .noneMatch(s -> s.contains("accepted"));
      assertThat(streaming.awaitClosed(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(node.node().dcpConnections().all()).isEmpty();
    assertThat(log.unexpected()).isEmpty();
  }

  /**
   * Seed 004: one producer's streams are closed from every side at once: its client closes each
   * stream and hangs up, a namesake DCP_OPEN replaces it, and the bucket is deleted. Each side may
   * ask any number of times; the streams are released once, on the connection's loop, and nothing
   * goes wrong or gets logged. A live bucket is left with no reader but the flusher.
   */
  @Test
  void seed004_closingAProducersStreamsFromEverySideAtOnceReleasesThemOnce() throws Exception {
    ExecutorService sides = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 10; round++) {
        boolean deleteToo = round % 2 == 0;
        Bucket bucket = createLoadedBucket();
        DcpTestConnection victim = producer("victim");
        for (int vb = 0; vb < VBUCKETS; vb++) {
          victim.sendStreamRequest(vb, 0, 0, DcpTestConnection.NO_END, 0, 0, 0);
        }
        ConcurrentLinkedQueue<String> cursorsAtDisconnect = new ConcurrentLinkedQueue<>();
        node.node()
            .buckets()
            .shutdownHook(
                (name, at) -> {
                  if (at == ShutdownStep.DISCONNECTED) {
                    cursorsAtDisconnect.add(String.valueOf(streamCursors(bucket)));
                  }
                });
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean victimDropped = new AtomicBoolean();
        List<Future<?>> racing = new ArrayList<>();
        racing.add(
            sides.submit(
                () -> {
                  await(go);
                  try {
                    for (int vb = 0; vb < VBUCKETS; vb++) {
                      victim.send(DcpTestConnection.DCP_CLOSE_STREAM, vb, NONE, NONE, NONE);
                    }
                  } catch (UncheckedIOException droppedByServer) {
                    // The namesake's DCP_OPEN (or the delete) made the server hang up on the
                    // victim before all its closes went out; checked below.
                    victimDropped.set(true);
                  }
                  victim.close();
                  return null;
                }));
        DcpTestConnection[] namesake = new DcpTestConnection[1];
        racing.add(
            sides.submit(
                () -> {
                  await(go);
                  namesake[0] = tryProducer("victim");
                  return null;
                }));
        Future<Boolean> deleted =
            deleteToo ? sides.submit(() -> awaitThen(go, this::deleteNow)) : null;
        go.countDown();
        for (Future<?> f : racing) {
          try {
            f.get(30, TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException refusedMidDelete) {
            // the namesake may find the bucket gone: that side simply lost the race
            assertThat(deleteToo)
                .as("a side failed without a delete: " + refusedMidDelete)
                .isTrue();
          }
        }
        if (victimDropped.get() && !deleteToo) {
          assertThat(namesake[0])
              .as("round %d: only a namesake that took over may hang up on the victim", round)
              .isNotNull();
        }
        if (deleteToo) {
          assertThat(deleted.get(30, TimeUnit.SECONDS)).isTrue();
          assertThat(cursorsAtDisconnect).containsExactly("0");
        } else {
          // The namesake won or lost against the hang-up; either way the victim's streams are gone.
          BucketStorage storage = node.node().storage(BUCKET);
          assertThat(
                  EmbeddedNode.await(
                      Duration.ofSeconds(10),
                      () -> streamCursors(bucket) == 0 && storage.openScans() == 0))
              .as("round %d: the victim's cursors and scans released", round)
              .isTrue();
          assertThat(deleteNow()).isTrue();
        }
        if (namesake[0] != null) {
          namesake[0].close();
        }
        node.node().buckets().shutdownHook((name, at) -> {});
        assertThat(EmbeddedNode.await(Duration.ofSeconds(10), () -> noProducers()))
            .as("round %d: no producer left", round)
            .isTrue();
      }
    } finally {
      sides.shutdownNow();
    }
    assertThat(log.unexpected()).isEmpty();
  }

  private boolean noProducers() {
    return node.node().dcpConnections().all().isEmpty();
  }

  /** Readers of the bucket's logs beyond the flusher's one per vBucket: the streams' cursors. */
  private static int streamCursors(Bucket bucket) {
    int streams = 0;
    for (int vb = 0; vb < bucket.numVBuckets(); vb++) {
      streams += bucket.vbucket(vb).logCursors() - 1;
    }
    return streams;
  }

  /** Sends a STREAM_REQ and says whether it was served, refused or met a closed connection. */
  private static String outcome(DcpTestConnection c) {
    try {
      int opaque = c.sendStreamRequest(0, 0, 0, DcpTestConnection.NO_END, 0, 0, 0);
      DcpTestConnection.Frame response = c.awaitResponse(opaque, new ArrayList<>());
      return response.status() == 0
          ? "accepted"
          : "refused with 0x" + Integer.toHexString(response.status());
    } catch (AssertionError | RuntimeException closed) {
      return closed.getMessage() != null && closed.getMessage().contains("within")
          ? "no answer: " + closed.getMessage()
          : "refused: connection closed";
    }
  }

  private Bucket createLoadedBucket() {
    Bucket bucket =
        node.node()
            .createBucket(new BucketSettings(BUCKET, BucketType.COUCHBASE, 256, VBUCKETS, true));
    try (BucketWriter writer = BucketWriter.open(node.kvPort(), VBUCKETS, BUCKET)) {
      for (int i = 0; i < ITEMS; i++) {
        writer.set("key-" + i, BucketWriter.value("key-" + i, 1));
      }
      writer.flush();
    }
    return bucket;
  }

  private DcpTestConnection producer(String name) {
    DcpTestConnection c =
        DcpTestConnection.open(
            node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET);
    return c.openProducer(name);
  }

  /** A producer, or null if the bucket went away first. */
  private DcpTestConnection tryProducer(String name) {
    try {
      DcpTestConnection c =
          DcpTestConnection.open(
              node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET);
      DcpTestConnection.Frame open = c.dcpOpen(name, DcpTestConnection.FLAG_PRODUCER);
      if (open.status() != 0) {
        c.close();
        return null;
      }
      return c;
    } catch (AssertionError | RuntimeException bucketGone) {
      return null;
    }
  }

  private boolean deleteWithin(Duration deadline) throws Exception {
    return CompletableFuture.supplyAsync(this::deleteNow)
        .get(deadline.toSeconds(), TimeUnit.SECONDS);
  }

  private boolean deleteNow() {
    return node.node().deleteBucket(BUCKET);
  }

  private static <T> T awaitThen(CountDownLatch go, java.util.function.Supplier<T> then) {
    await(go);
    return then.get();
  }

  private static void await(CountDownLatch go) {
    try {
      go.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
