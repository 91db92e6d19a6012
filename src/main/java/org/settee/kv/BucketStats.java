package org.settee.kv;

import java.util.concurrent.atomic.LongAdder;

/**
 * A bucket's counters, updated from many event loops: LongAdders, so that counting never makes two
 * connections contend.
 */
public final class BucketStats {
  public final LongAdder cmdGet = new LongAdder();
  public final LongAdder getHits = new LongAdder();
  public final LongAdder getMisses = new LongAdder();
  public final LongAdder cmdSet = new LongAdder();
  public final LongAdder deleteHits = new LongAdder();
  public final LongAdder deleteMisses = new LongAdder();
  public final LongAdder incrHits = new LongAdder();
  public final LongAdder incrMisses = new LongAdder();
  public final LongAdder decrHits = new LongAdder();
  public final LongAdder decrMisses = new LongAdder();
  public final LongAdder casMisses = new LongAdder();
  public final LongAdder touches = new LongAdder();
  public final LongAdder lockedRefusals = new LongAdder();
  private final LongAdder expirations = new LongAdder();
  private final LongAdder memory = new LongAdder();
  private final LongAdder items = new LongAdder();
  private final LongAdder ejections = new LongAdder();
  private final LongAdder backgroundFetched = new LongAdder();

  void memoryUsed(long bytes) {
    memory.add(bytes);
  }

  void memoryReleased(long bytes) {
    memory.add(-bytes);
  }

  void itemsAdded(long n) {
    items.add(n);
  }

  void itemsRemoved(long n) {
    items.add(-n);
  }

  void expired() {
    expirations.increment();
  }

  void ejected() {
    ejections.increment();
  }

  void fetchedFromDisk() {
    backgroundFetched.increment();
  }

  /** Values (or, with full eviction, whole items) the item pager has evicted. */
  public long ejections() {
    return ejections.sum();
  }

  /** Items read back from disk into memory for a command. */
  public long backgroundFetched() {
    return backgroundFetched.sum();
  }

  public long memoryUsed() {
    return memory.sum();
  }

  public long items() {
    return items.sum();
  }

  public long expirations() {
    return expirations.sum();
  }
}
