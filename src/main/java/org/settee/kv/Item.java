package org.settee.kv;

/**
 * One version of a document, immutable: every mutation, lock and expiry replaces the item in its
 * vBucket's table, so a reader never sees half an update.
 *
 * @param expiry absolute Unix seconds, 0 = never
 * @param bySeqno the vBucket sequence number of the mutation that made this version
 * @param revSeqno how many times this key has been mutated (revision)
 * @param lockedUntilMillis wall-clock millis until which the item is locked, 0 = not locked
 * @param value the document, or null when it was evicted to disk (see {@link #isResident})
 */
public record Item(
    ItemKey key,
    byte[] value,
    int flags,
    long cas,
    long expiry,
    int datatype,
    long bySeqno,
    long revSeqno,
    boolean deleted,
    long lockedUntilMillis) {

  /** The CAS a locked item shows to readers other than the lock holder. */
  public static final long LOCKED_CAS = -1L;

  public boolean isExpiredAt(long nowSeconds) {
    return expiry != 0 && expiry <= nowSeconds;
  }

  public boolean isLockedAt(long nowMillis) {
    return lockedUntilMillis > nowMillis;
  }

  /** A live item: not a tombstone and not expired. */
  public boolean isLiveAt(long nowSeconds) {
    return !deleted && !isExpiredAt(nowSeconds);
  }

  public Item withLock(long lockCas, long untilMillis) {
    return new Item(
        key, value, flags, lockCas, expiry, datatype, bySeqno, revSeqno, deleted, untilMillis);
  }

  public Item unlocked() {
    return new Item(key, value, flags, cas, expiry, datatype, bySeqno, revSeqno, deleted, 0);
  }

  /** Approximate memory held by this item, for the bucket's memory statistics. */
  public long memoryFootprint() {
    return 96L + key.length() + (value == null ? 0 : value.length);
  }

  /** False when the value was evicted: it is on disk only and must be fetched before use. */
  public boolean isResident() {
    return value != null;
  }

  /** This version with its value evicted (value eviction of a clean item). */
  public Item withoutValue() {
    return new Item(
        key, null, flags, cas, expiry, datatype, bySeqno, revSeqno, deleted, lockedUntilMillis);
  }
}
