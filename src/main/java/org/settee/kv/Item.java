package org.settee.kv;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One version of a document, immutable: every mutation, lock and expiry replaces the item in its
 * vBucket's table, so a reader never sees half an update.
 *
 * <p>Laid out for memory, since there are millions: the key and the value share one array, the
 * expiry is an int and the small fields share a byte. Lock state lives only in the rare {@link
 * LockedItem}.
 *
 * <pre>
 *   data: [key bytes][value bytes]      (an evicted item keeps only the key)
 *   meta: bit 0-2 datatype | bit 5 deleted by expiry | bit 6 value evicted | bit 7 deleted
 * </pre>
 *
 * <p>A tombstone remembers whether a delete or its expiry (TTL) made it: DCP clients that ask for
 * it get expirations as DCP_EXPIRATION, the others as deletions.
 */
public sealed class Item permits LockedItem {
  /** The CAS a locked item shows to readers other than the lock holder. */
  public static final long LOCKED_CAS = -1L;

  private static final int DATATYPE_MASK = 0x07;
  private static final int BY_EXPIRY = 0x20;
  private static final int EVICTED = 0x40;
  private static final int DELETED = 0x80;

  private final byte[] data;
  private final int flags;
  private final long cas;
  private final long bySeqno;
  private final long revSeqno;
  private final int expiry;
  private final byte keyLength;
  private final byte meta;

  /**
   * @param expiry absolute Unix seconds, 0 = never
   * @param bySeqno the vBucket sequence number of the mutation that made this version
   * @param revSeqno how many times this key has been mutated (revision)
   * @param value the document, or null when it was evicted to disk (see {@link #isResident})
   * @param lockedUntilMillis must be 0: locks are made by {@link #withLock}
   */
  public Item(
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
    this(
        join(key.bytes(), value),
        key.length(),
        flags,
        cas,
        expiry,
        bySeqno,
        revSeqno,
        meta(datatype, deleted, false, value == null));
    if (lockedUntilMillis != 0) {
      throw new IllegalArgumentException("locks are made with withLock");
    }
  }

  private Item(
      byte[] data,
      int keyLength,
      int flags,
      long cas,
      long expiry,
      long bySeqno,
      long revSeqno,
      byte meta) {
    this.data = data;
    this.keyLength = (byte) keyLength;
    this.flags = flags;
    this.cas = cas;
    this.expiry = (int) expiry;
    this.bySeqno = bySeqno;
    this.revSeqno = revSeqno;
    this.meta = meta;
  }

  private static byte meta(int datatype, boolean deleted, boolean byExpiry, boolean evicted) {
    if (byExpiry && !deleted) {
      throw new IllegalArgumentException("only a tombstone is deleted by expiry");
    }
    return (byte)
        ((datatype & DATATYPE_MASK)
            | (byExpiry ? BY_EXPIRY : 0)
            | (evicted ? EVICTED : 0)
            | (deleted ? DELETED : 0));
  }

  /**
   * The tombstone an expiry leaves (the expiry pager, or a read that finds the item expired): no
   * value, and, as for every tombstone, its deletion time where a live item keeps its expiry.
   */
  public static Item expiration(
      ItemKey key, int flags, long cas, long deleteTime, long bySeqno, long revSeqno) {
    return new Item(
        key.bytes().clone(),
        key.length(),
        flags,
        cas,
        deleteTime,
        bySeqno,
        revSeqno,
        meta(0, true, true, false));
  }

  /** A copy of this version's fields with another CAS (locked or not, per the subclass). */
  Item(Item o, long cas) {
    this.data = o.data;
    this.keyLength = o.keyLength;
    this.flags = o.flags;
    this.cas = cas;
    this.expiry = o.expiry;
    this.bySeqno = o.bySeqno;
    this.revSeqno = o.revSeqno;
    this.meta = o.meta;
  }

  private static byte[] join(byte[] key, byte[] value) {
    if (value == null) {
      return key.clone();
    }
    byte[] d = Arrays.copyOf(key, key.length + value.length);
    System.arraycopy(value, 0, d, key.length, value.length);
    return d;
  }

  // ---- fields ----

  public int keyLength() {
    return keyLength & 0xff;
  }

  /** The key, as a new lookup key. */
  public ItemKey key() {
    return new ItemKey(keyBytes());
  }

  /** A copy of the key bytes. */
  public byte[] keyBytes() {
    return Arrays.copyOf(data, keyLength());
  }

  /**
   * Builds an item straight from stored bytes, key and value copied once into the item's array
   * (warmup and background fetches make millions of these). Offsets are absolute indexes into the
   * buffers, which may be direct (warmup reads RocksDB into reused native buffers).
   *
   * @param byExpiry a tombstone an expiry left (see {@link #deletedByExpiry})
   */
  public static Item fromStorage(
      ByteBuffer keySource,
      int keyOffset,
      int keyLength,
      ByteBuffer valueSource,
      int valueOffset,
      int valueLength,
      int flags,
      long cas,
      long expiry,
      int datatype,
      long bySeqno,
      long revSeqno,
      boolean deleted,
      boolean byExpiry) {
    byte[] d = new byte[keyLength + valueLength];
    keySource.get(keyOffset, d, 0, keyLength);
    valueSource.get(valueOffset, d, keyLength, valueLength);
    return new Item(
        d,
        keyLength,
        flags,
        cas,
        expiry,
        bySeqno,
        revSeqno,
        meta(datatype, deleted, byExpiry, false));
  }

  /** The key's hash, computed from the item's own bytes (no copy). */
  int keyHash() {
    return ItemKey.hashOf(data, 0, keyLength());
  }

  /** Whether two items are versions of the same key (compared in place). */
  public boolean sameKey(Item o) {
    return Arrays.equals(data, 0, keyLength(), o.data, 0, o.keyLength());
  }

  /** Whether this item's key equals {@code key}, without copying. */
  boolean hasKey(byte[] key) {
    return Arrays.equals(data, 0, keyLength(), key, 0, key.length);
  }

  /** A copy of the value, or null when it was evicted. */
  public byte[] value() {
    return isResident() ? Arrays.copyOfRange(data, keyLength(), data.length) : null;
  }

  public int valueLength() {
    return isResident() ? data.length - keyLength() : 0;
  }

  /** Puts the key into {@code out} (no copy on the way). */
  public void putKey(ByteBuffer out) {
    out.put(data, 0, keyLength());
  }

  /** Puts the value into {@code out} (no copy on the way); nothing when evicted. */
  public void putValue(ByteBuffer out) {
    out.put(data, keyLength(), valueLength());
  }

  /** Writes the key into {@code out} (no copy on the way). */
  public void writeKey(ByteBuf out) {
    out.writeBytes(data, 0, keyLength());
  }

  /** Writes the value into {@code out} (no copy on the way); nothing when evicted. */
  public void writeValue(ByteBuf out) {
    out.writeBytes(data, keyLength(), valueLength());
  }

  public int flags() {
    return flags;
  }

  public long cas() {
    return cas;
  }

  /** Absolute Unix seconds, 0 = never (for a tombstone: when it was deleted). */
  public long expiry() {
    return Integer.toUnsignedLong(expiry);
  }

  public int datatype() {
    return meta & DATATYPE_MASK;
  }

  public long bySeqno() {
    return bySeqno;
  }

  public long revSeqno() {
    return revSeqno;
  }

  public boolean deleted() {
    return (meta & DELETED) != 0;
  }

  /** A tombstone its expiry (TTL) made, not a delete: DCP may send it as an expiration. */
  public boolean deletedByExpiry() {
    return (meta & BY_EXPIRY) != 0;
  }

  /** False when the value was evicted: it is on disk only and must be fetched before use. */
  public boolean isResident() {
    return (meta & EVICTED) == 0;
  }

  /** Wall-clock millis until which the item is locked, 0 = not locked. */
  public long lockedUntilMillis() {
    return 0;
  }

  // ---- derived ----

  public boolean isExpiredAt(long nowSeconds) {
    return expiry != 0 && expiry() <= nowSeconds;
  }

  public boolean isLockedAt(long nowMillis) {
    return lockedUntilMillis() > nowMillis;
  }

  /** A live item: not a tombstone and not expired. */
  public boolean isLiveAt(long nowSeconds) {
    return !deleted() && !isExpiredAt(nowSeconds);
  }

  public Item withLock(long lockCas, long untilMillis) {
    return new LockedItem(this, lockCas, untilMillis);
  }

  public Item unlocked() {
    return new Item(this, cas);
  }

  /** This version with its value evicted (value eviction of a clean item). */
  public Item withoutValue() {
    return new Item(
        Arrays.copyOf(data, keyLength()),
        keyLength(),
        flags,
        cas,
        expiry(),
        bySeqno,
        revSeqno,
        (byte) (meta | EVICTED));
  }

  /** This version with its value read back from disk. */
  Item withValue(byte[] value) {
    return new Item(
        join(Arrays.copyOf(data, keyLength()), value),
        keyLength(),
        flags,
        cas,
        expiry(),
        bySeqno,
        revSeqno,
        (byte) (meta & ~EVICTED));
  }

  /**
   * Approximate heap held by this item: the object, its array, and its slot in the vBucket's table.
   * For the bucket's memory statistics and quota.
   */
  public long memoryFootprint() {
    return 56L + 16 + 12 + data.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Item i
        && i.getClass() == getClass()
        && Arrays.equals(data, i.data)
        && keyLength == i.keyLength
        && flags == i.flags
        && cas == i.cas
        && expiry == i.expiry
        && bySeqno == i.bySeqno
        && revSeqno == i.revSeqno
        && meta == i.meta
        && lockedUntilMillis() == i.lockedUntilMillis();
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(data) * 31 + Long.hashCode(cas);
  }

  @Override
  public String toString() {
    return "Item{key="
        + key()
        + ", cas="
        + cas
        + ", bySeqno="
        + bySeqno
        + ", deleted="
        + (deletedByExpiry() ? "expired" : deleted())
        + ", resident="
        + isResident()
        + '}';
  }
}
