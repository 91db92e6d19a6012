package org.settee.kv;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.settee.util.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A bucket: its settings, its vBuckets and its lifecycle. */
public final class Bucket {
  private static final Logger LOG = LoggerFactory.getLogger(Bucket.class);

  private volatile BucketSettings settings;
  private final VBucket[] vbuckets;
  private final BucketStats stats = new BucketStats();
  private final AtomicReference<BucketState> state = new AtomicReference<>(BucketState.CREATING);
  private volatile String writesRefusedBecause;
  private volatile BackgroundFetcher fetcher;
  private final AtomicBoolean pagerScheduled = new AtomicBoolean();
  private volatile Consumer<Bucket> memoryPressure = b -> {};

  /** Builds a bucket whose vBuckets are all active here (a single-node cluster). */
  public Bucket(BucketSettings settings, Clock clock) {
    this.settings = settings;
    this.vbuckets = new VBucket[settings.numVBuckets()];
    for (int i = 0; i < vbuckets.length; i++) {
      vbuckets[i] =
          new VBucket(i, VBucketState.ACTIVE, clock, stats, settings.type().keepsTombstones());
    }
  }

  public String name() {
    return settings.name();
  }

  public BucketSettings settings() {
    return settings;
  }

  /**
   * Applies changed settings (quota, flush, max TTL, replicas); identity, type, vBucket count and
   * eviction policy cannot change in place.
   */
  public void updateSettings(BucketSettings next) {
    checkUpdate(next);
    settings = next;
  }

  /**
   * Checks that {@code next} only changes what can change in place.
   *
   * @throws IllegalArgumentException when it changes anything else
   */
  public void checkUpdate(BucketSettings next) {
    BucketSettings s = settings;
    if (!next.name().equals(s.name())
        || !next.uuid().equals(s.uuid())
        || next.type() != s.type()
        || next.numVBuckets() != s.numVBuckets()
        || !next.evictionPolicy().equals(s.evictionPolicy())) {
      throw new IllegalArgumentException(
          "bucket " + s.name() + ": name, UUID, type, vBuckets and eviction policy are fixed");
    }
  }

  public BucketStats stats() {
    return stats;
  }

  public BucketState state() {
    return state.get();
  }

  public int numVBuckets() {
    return vbuckets.length;
  }

  /** The vBucket with this id, or null when the id is out of range. */
  public VBucket vbucket(int id) {
    return id >= 0 && id < vbuckets.length ? vbuckets[id] : null;
  }

  /**
   * The only way the state changes: from {@code expected} to {@code next}.
   *
   * @return false when the bucket was not in {@code expected} (someone else moved it first)
   */
  public boolean transition(BucketState expected, BucketState next) {
    if (next.ordinal() <= expected.ordinal()) {
      throw new IllegalStateException("bucket " + name() + ": " + expected + " -> " + next);
    }
    boolean moved = state.compareAndSet(expected, next);
    if (moved) {
      LOG.debug("bucket {}: {} -> {}", name(), expected, next);
    }
    return moved;
  }

  /** Drops every document of every vBucket (a couchbase bucket's flusher then empties its disk). */
  public void flush() {
    for (VBucket vb : vbuckets) {
      vb.flush();
    }
  }

  /**
   * While storage cannot persist (disk full, I/O error), writes are refused with a temporary
   * failure rather than acknowledged and then lost.
   */
  public void refuseWrites(String reason) {
    this.writesRefusedBecause = reason;
  }

  public void acceptWrites() {
    this.writesRefusedBecause = null;
  }

  /** Why writes are refused now, or null when they are accepted. */
  public String writesRefusedBecause() {
    return writesRefusedBecause;
  }

  // ---- memory quota ----

  /** Couchbase's watermarks: evict above 85% of the quota, down to 75%. */
  static final double HIGH_WATERMARK = 0.85;

  static final double LOW_WATERMARK = 0.75;

  public long quotaBytes() {
    return settings.ramQuotaMb() * 1024 * 1024;
  }

  public long highWatermark() {
    return (long) (quotaBytes() * HIGH_WATERMARK);
  }

  public long lowWatermark() {
    return (long) (quotaBytes() * LOW_WATERMARK);
  }

  /** Who makes room when memory passes the high watermark (the node's item pager). */
  public void onMemoryPressure(Consumer<Bucket> pager) {
    this.memoryPressure = pager;
  }

  /** Called after writes: asks for the pager once when memory is past the high watermark. */
  public void checkMemory() {
    if (stats.memoryUsed() > highWatermark() && pagerScheduled.compareAndSet(false, true)) {
      memoryPressure.accept(this);
    }
  }

  /** The pager finished a pass; the next pressure may schedule it again. */
  public void pagerDone() {
    pagerScheduled.set(false);
  }

  /** True when the bucket is full: no write fits until the pager makes room. */
  public boolean isFull() {
    return stats.memoryUsed() >= quotaBytes();
  }

  /** Storage registers its background fetcher here; null for buckets without a disk. */
  public void fetcher(BackgroundFetcher f) {
    this.fetcher = f;
  }

  public BackgroundFetcher fetcher() {
    return fetcher;
  }

  /** Live documents in all vBuckets. */
  public long itemCount() {
    return stats.items();
  }
}
