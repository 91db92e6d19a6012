package org.settee.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import org.settee.node.NodeOptions;
import org.settee.storage.BucketStorage;

/** What the in-process storage benchmarks share: their node, their keys, their clean-up. */
final class InProcessNodes {
  /** Longer than any flusher backlog of a bench takes to drain; past it the disk is failing. */
  private static final Duration DRAIN_DEADLINE = Duration.ofMinutes(5);

  private InProcessNodes() {}

  /** A test-style node in {@code dir} whose buckets have 1024 vBuckets, as a server's do. */
  static NodeOptions options(Path dir) {
    return NodeOptions.forTests(dir).toBuilder().defaultBucketVBuckets(1024).build();
  }

  /** The bench's i-th key: {@code key-000000042}. */
  static byte[] key(int i) {
    return String.format("key-%09d", i).getBytes(StandardCharsets.US_ASCII);
  }

  /** Waits until the flusher has written everything; fails when it has not within 5 minutes. */
  static void awaitDrained(BucketStorage storage) throws InterruptedException {
    long deadline = System.nanoTime() + DRAIN_DEADLINE.toNanos();
    while (storage.diskQueueSize() > 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            storage.diskQueueSize() + " items still not on disk after " + DRAIN_DEADLINE);
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
