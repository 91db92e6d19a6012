package org.settee.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.settee.protocol.Opcode;
import org.settee.protocol.Status;

/**
 * One connection's counts and latencies. Written only by the connection's event loop, so the hot
 * path takes no lock; the runner reads the plain fields only after the connection finished (the
 * completed step future orders the reads after the writes), and reads the {@code published} fields,
 * refreshed once per read batch, for the live progress line.
 */
final class ConnectionStats {
  /** Latencies are recorded in nanoseconds with 1 us resolution, 3 significant digits. */
  static final long LOWEST_DISCERNIBLE_NANOS = 1_000;

  static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.MINUTES.toNanos(1);

  final Histogram latencyNanos =
      new Histogram(LOWEST_DISCERNIBLE_NANOS, HIGHEST_TRACKABLE_NANOS, 3);

  /** Error counts by status code; touched only on the (rare) error path, so boxing is fine. */
  final Map<Integer, Long> errorsByStatus = new TreeMap<>();

  /** Every answer, measured or not: the progress line's rate and the runner's stall detector. */
  long answered;

  long ops;
  long gets;
  long sets;
  long hits;
  long misses;
  long errors;
  long populateErrors;
  long lastAnswerNanos;

  private volatile long publishedAnswered;
  private volatile long publishedOps;
  private volatile long publishedErrors;

  /** Counts one measured answer. */
  void record(int opcode, int status, long latency, long now) {
    latencyNanos.recordValue(Math.min(latency, HIGHEST_TRACKABLE_NANOS));
    ops++;
    lastAnswerNanos = now;
    if (opcode == Opcode.GET.code()) {
      gets++;
      if (status == Status.SUCCESS.code()) {
        hits++;
      } else if (status == Status.KEY_ENOENT.code()) {
        misses++;
      } else {
        error(status);
      }
    } else {
      sets++;
      if (status != Status.SUCCESS.code()) {
        error(status);
      }
    }
  }

  private void error(int status) {
    errors++;
    errorsByStatus.merge(status, 1L, Long::sum);
  }

  /** Makes the counters visible to the progress reporter; once per read batch, not per answer. */
  void publish() {
    publishedAnswered = answered;
    publishedOps = ops;
    publishedErrors = errors;
  }

  long publishedAnswered() {
    return publishedAnswered;
  }

  long publishedOps() {
    return publishedOps;
  }

  long publishedErrors() {
    return publishedErrors;
  }
}
