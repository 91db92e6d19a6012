package org.settee.kv;

import java.util.concurrent.atomic.AtomicReference;
import org.settee.util.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A bucket: its settings, its vBuckets and its lifecycle. */
public final class Bucket {
  private static final Logger LOG = LoggerFactory.getLogger(Bucket.class);

  private final BucketSettings settings;
  private final VBucket[] vbuckets;
  private final BucketStats stats = new BucketStats();
  private final AtomicReference<BucketState> state = new AtomicReference<>(BucketState.CREATING);

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

  /** Drops every document of every vBucket. */
  public void flush() {
    for (VBucket vb : vbuckets) {
      vb.flush();
    }
  }

  /** Live documents in all vBuckets. */
  public long itemCount() {
    return stats.items();
  }
}
