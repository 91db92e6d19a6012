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
  private volatile String writesRefusedBecause;
  private volatile Runnable afterFlush = () -> {};

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

  /** Drops every document of every vBucket (and, through the storage hook, on disk). */
  public void flush() {
    for (VBucket vb : vbuckets) {
      vb.flush();
    }
    afterFlush.run();
  }

  /** Storage registers here what a flush must also do on disk. */
  public void afterFlush(Runnable hook) {
    this.afterFlush = hook;
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

  /** Live documents in all vBuckets. */
  public long itemCount() {
    return stats.items();
  }
}
