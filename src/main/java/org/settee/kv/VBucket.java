package org.settee.kv;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;
import org.settee.protocol.Status;
import org.settee.util.Clock;

/**
 * One vBucket: a hash table of items with its seqno counter, CAS clock and failover log.
 *
 * <p>Every operation runs under the vBucket's monitor: event loops of different connections share
 * vBuckets, and 1024 small locks keep contention low while making each read-modify-write (CAS
 * checks, locks, counters) atomic. Nothing under the lock blocks or does I/O.
 */
public final class VBucket {
  /** Default and maximum GET_LOCKED durations, as kv_engine's defaults. */
  static final long DEFAULT_LOCK_SECONDS = 15;

  static final long MAX_LOCK_SECONDS = 30;

  private static final byte[] EMPTY = new byte[0];

  /**
   * How far (in mutations) a DCP stream may fall behind the newest write before its cursor is
   * dropped and it goes back to a backfill: bounds what slow consumers make memory hold.
   */
  static final int LOG_CAPACITY = 20_000;

  private final int id;
  private final Clock clock;
  private final BucketStats stats;
  private final boolean keepTombstones;
  private final HybridLogicalClock casClock;
  private final FailoverLog failoverLog = new FailoverLog();
  private final ItemTable items = new ItemTable();
  private volatile VBucketState state;
  private long highSeqno;
  private long liveItems;

  /** The highest seqno of a tombstone purged from this vBucket (DCP's purge-seqno rule). */
  private long purgeSeqno;

  /** The high seqno at the last flush: every seqno up to it was emptied (0 = never flushed). */
  private long flushSeqno;

  /** Bucket flushes of this vBucket, and how many of them are on disk (the flusher writes them). */
  private long flushes;

  private long flushesOnDisk;

  /** Every mutation since the oldest position a reader (flusher, DCP stream) still needs. */
  private CheckpointLog log = new CheckpointLog(1, LOG_CAPACITY);

  /** The flusher's place in the log: null for buckets that never touch disk. */
  private CheckpointLog.Cursor flusherCursor;

  private Runnable flusherWake;

  private volatile long persistedSeqno;

  /**
   * Set by writes and flushes, cleared when the flusher has persisted up to the high seqno and
   * every flush: lets a flusher round skip clean vBuckets without taking their lock.
   */
  private volatile boolean hasDirty;

  /** Full eviction: clean items may leave memory entirely, so a miss must ask the disk. */
  private volatile boolean fullEviction;

  /**
   * Set (for good) once the pager has evicted a value here: from then on a GET checks whether its
   * item is resident before reading it.
   */
  private volatile boolean evictedAny;

  /**
   * Items that left memory whole while the disk may still hold a version of them: the pager's (full
   * eviction), the tombstone purge's, a deletion's without tombstones. A miss, or a disk read, is
   * trusted only if none happened since the command last knew where its key was.
   */
  private volatile long removals;

  /**
   * The vBucket and removal count a command on this thread checked residency against (full eviction
   * only), set by {@link #guardMisses} and cleared by {@link #clearGuard}.
   */
  private record MissGuard(VBucket vb, long removals) {}

  private static final ThreadLocal<MissGuard> MISS_GUARD = new ThreadLocal<>();

  VBucket(int id, VBucketState state, Clock clock, BucketStats stats, boolean keepTombstones) {
    this.id = id;
    this.state = state;
    this.clock = clock;
    this.stats = stats;
    this.keepTombstones = keepTombstones;
    this.casClock = new HybridLogicalClock(clock);
    failoverLog.add(newUuid(), 0);
  }

  public int id() {
    return id;
  }

  public VBucketState state() {
    return state;
  }

  /** The UUID of the current history branch, sent with every mutation token. */
  public long uuid() {
    return failoverLog.latest().uuid();
  }

  public FailoverLog failoverLog() {
    return failoverLog;
  }

  public synchronized long highSeqno() {
    return highSeqno;
  }

  /** The highest seqno known to be on disk (OBSERVE_SEQNO, durability). */
  public long persistedSeqno() {
    return persistedSeqno;
  }

  // ---- persistence hooks (the storage package drives these) ----

  /** Starts tracking mutations for the flusher; {@code onDirty} wakes it, cheaply and often. */
  public synchronized void trackDirty(Runnable wakeFlusher) {
    log.syncIfIdle(highSeqno + 1);
    this.flusherCursor = log.register("flusher", highSeqno + 1, false, () -> {});
    this.flusherWake = wakeFlusher;
  }

  private boolean persistent() {
    return flusherCursor != null;
  }

  /** Switches to full eviction (set by storage for buckets with that policy). */
  public synchronized void fullEviction(boolean enabled) {
    this.fullEviction = enabled;
  }

  /**
   * Full eviction: from now until {@link #clearGuard}, a miss of a command on this thread counts as
   * "not there" only if nothing left this vBucket's memory since {@code removals} (read with {@link
   * #removals()} before the command's residency check, or before the disk read that settled its
   * key); otherwise the operation throws {@link ValueNotResident} and the command reads the key
   * from disk first.
   */
  public void guardMisses(long removals) {
    MISS_GUARD.set(new MissGuard(this, removals));
  }

  /** Ends the current command's {@link #guardMisses}; harmless when none is set. */
  public static void clearGuard() {
    MISS_GUARD.remove();
  }

  /** How many items left this vBucket's memory whole so far (see {@link #restoreFetched}). */
  public long removals() {
    return removals;
  }

  public boolean isFullEviction() {
    return fullEviction;
  }

  /**
   * Whether an operation on this key must first read it from disk: its value was evicted, or (full
   * eviction) the key is not in memory and may be on disk.
   */
  public boolean needsFetch(ItemKey key) {
    // Until this vBucket evicts a value, every value is in memory: a GET then looks its key up
    // once, not twice (the lookup is most of a GET's cost).
    if (!fullEviction && !evictedAny) {
      return false;
    }
    return needsFetchLocked(key);
  }

  private synchronized boolean needsFetchLocked(ItemKey key) {
    Item item = items.get(key);
    return item == null ? fullEviction : !item.isResident();
  }

  /**
   * Puts back what a background fetch read from disk, unless memory moved on meanwhile (a newer
   * version was written, the item is resident again, or a flush emptied the vBucket).
   *
   * <p>Under full eviction the key may also have come and gone while the disk was read: a newer
   * version written, persisted and removed by the pager, or a deletion whose tombstone was purged.
   * The read may then predate that version (installed, it would shadow the newer one on disk, or
   * bring a deleted document back), and so may its "no such key". Such a read is refused: with no
   * way to tell which key left memory, any removal since {@code removalsBefore} refuses it.
   *
   * @param fromDisk the stored item, or null when the disk has no such key
   * @param removalsBefore {@link #removals()} read before the disk read started
   * @return false when the read was refused and the key must be read from disk again; true when
   *     memory answers for the key (a miss, under {@link #guardMisses} with {@code removalsBefore},
   *     means "no such key")
   */
  public synchronized boolean restoreFetched(ItemKey key, Item fromDisk, long removalsBefore) {
    Item current = items.get(key);
    if (current == null && fullEviction && removals != removalsBefore) {
      return false;
    }
    // The disk keeps flushed items until the flusher's batch deletes them: they are not data.
    // (A flush removes without counting: nothing the disk held before it may come back.)
    if (fromDisk == null || fromDisk.bySeqno() <= flushSeqno) {
      return true;
    }
    if (current == null) {
      if (fullEviction) {
        items.put(key, fromDisk);
        stats.memoryUsed(fromDisk.memoryFootprint());
        stats.fetchedFromDisk();
      }
    } else if (!current.isResident() && current.bySeqno() == fromDisk.bySeqno()) {
      Item restored = current.withValue(fromDisk.value());
      items.put(key, restored);
      stats.memoryReleased(current.memoryFootprint());
      stats.memoryUsed(restored.memoryFootprint());
      stats.fetchedFromDisk();
    }
    return true;
  }

  /**
   * Evicts clean (persisted), unlocked items until {@code bytes} are freed or nothing more can go:
   * values only (value eviction), or the whole item (full eviction).
   *
   * @return bytes freed
   */
  public synchronized long evictClean(long bytes) {
    long now = clock.currentTimeMillis();
    long freed = 0;
    for (Item item :
        victims(
            bytes,
            item ->
                persistent()
                    && item.bySeqno() <= persistedSeqno
                    && !item.isLockedAt(now)
                    && (fullEviction || item.isResident()),
            item -> fullEviction ? item.memoryFootprint() : item.valueLength())) {
      evictedAny = true;
      stats.ejected();
      stats.memoryReleased(item.memoryFootprint());
      if (fullEviction) {
        items.remove(item.key());
        removals++;
        freed += item.memoryFootprint();
      } else {
        Item evicted = item.withoutValue();
        items.put(item.key(), evicted);
        stats.memoryUsed(evicted.memoryFootprint());
        freed += item.valueLength();
      }
    }
    return freed;
  }

  /**
   * Makes room in a bucket without a disk (ephemeral with auto-delete, memcached): deletes live,
   * unlocked items until {@code bytes} are freed. Ephemeral deletions are real deletions with
   * seqnos; a memcached bucket just forgets.
   */
  public synchronized long evictByDeleting(long bytes) {
    long now = clock.currentTimeMillis();
    long freed = 0;
    // The vBucket's newest write stays: a client must be able to read back what it just wrote,
    // even from a vBucket whose older items cannot make enough room.
    long newest = highSeqno;
    for (Item item :
        victims(
            bytes,
            item -> !item.deleted() && !item.isLockedAt(now) && item.bySeqno() != newest,
            Item::memoryFootprint)) {
      write(item.key(), EMPTY, item.flags(), clock.currentTimeSeconds(), 0, true);
      freed += item.memoryFootprint();
    }
    return freed;
  }

  /**
   * The eligible items to evict, least recently written first, until their {@code gain} adds up to
   * {@code bytes} (what a not-recently-used policy approximates without touching every read).
   */
  private List<Item> victims(long bytes, Predicate<Item> eligible, ToLongFunction<Item> gain) {
    List<Item> all = new ArrayList<>(items.size());
    items.forEach(all::add);
    all.sort(Comparator.comparingLong(Item::bySeqno));
    List<Item> chosen = new ArrayList<>();
    long total = 0;
    for (Item item : all) {
      if (total >= bytes) {
        break;
      }
      if (eligible.test(item)) {
        chosen.add(item);
        total += gain.applyAsLong(item);
      }
    }
    return chosen;
  }

  /** Mutations waiting for the flusher, and a flush not yet on disk as one more. */
  public synchronized int dirtyCount() {
    if (!persistent()) {
      return 0;
    }
    return (int) (highSeqno - flusherCursor.next() + 1) + (flushes > flushesOnDisk ? 1 : 0);
  }

  /**
   * What the flusher writes for this vBucket in one round, taken at one instant under the lock.
   *
   * @param items unpersisted mutations in seqno order, every version (the flusher keeps the latest
   *     per key); all of them after {@code emptyFirst}'s flush
   * @param emptyFirst a bucket flush is not on disk yet: the vBucket's stored items go first
   * @param highSeqno the vBucket's seqno on disk once this is written
   * @param flushes the flushes this covers, for {@link #persisted}
   * @param failoverLog the failover log that goes with it (a flush starts a new one)
   */
  public record Dirty(
      List<Item> items,
      boolean emptyFirst,
      long highSeqno,
      long flushes,
      List<FailoverLog.Entry> failoverLog) {
    static final Dirty NONE = new Dirty(List.of(), false, 0, 0, List.of());

    public boolean isEmpty() {
      return items.isEmpty() && !emptyFirst;
    }
  }

  /**
   * What the flusher has not yet persisted: mutations, and a flush. They stay in the log until
   * {@link #persisted} says they are on disk, so a failed batch needs no putting back.
   */
  public Dirty dirty(int max) {
    return dirty(max, Long.MAX_VALUE, 0);
  }

  /**
   * As {@link #dirty(int)}, the items stopping once they hold {@code maxBytes}, counting their keys
   * and values plus {@code perItem} each (at least one is taken): the seqnos up to the last one
   * taken, the rest for the next round.
   */
  public Dirty dirty(int max, long maxBytes, int perItem) {
    if (!hasDirty) {
      return Dirty.NONE;
    }
    return dirtyLocked(max, maxBytes, perItem);
  }

  private synchronized Dirty dirtyLocked(int max, long maxBytes, int perItem) {
    if (!persistent()) {
      return Dirty.NONE;
    }
    List<Item> batch = new ArrayList<>((int) Math.min(max, highSeqno - flusherCursor.next() + 1));
    log.peek(flusherCursor, max, maxBytes, perItem, batch);
    // hasDirty stays set until persisted() catches up: a failed batch is taken again.
    boolean emptyFirst = flushes > flushesOnDisk;
    long high = batch.isEmpty() ? flushSeqno : batch.get(batch.size() - 1).bySeqno();
    return new Dirty(batch, emptyFirst, high, flushes, failoverLog.entries());
  }

  /** Records that what the flusher took ({@link #dirty}) is on disk. */
  public synchronized void persisted(Dirty written) {
    long seqno = written.highSeqno();
    if (persistent()) {
      log.advance(flusherCursor, seqno);
      flushesOnDisk = Math.max(flushesOnDisk, written.flushes());
      hasDirty = highSeqno > seqno || flushes > flushesOnDisk;
      if (written.flushes() < flushes) {
        // A batch taken before the latest flush: that flush is not on disk yet, so what the
        // flush ended (up to its seqno) must not be reported as persisted.
        seqno = Math.min(seqno, flushSeqno - 1);
      }
    }
    if (seqno > persistedSeqno) {
      persistedSeqno = seqno;
    }
  }

  // ---- DCP: readers of the change log ----

  /**
   * Registers a DCP stream's reader at {@code from} (the first seqno it wants) if the log still
   * holds it; null when that history is only on disk or only in the hash table.
   */
  public synchronized CheckpointLog.Cursor registerCursor(
      String name, long from, Runnable onAppend) {
    if (from < log.firstSeqno()) {
      return null;
    }
    return log.register(name, from, true, onAppend);
  }

  /**
   * Registers a reader at the oldest seqno the log holds and reports which: history before it must
   * come from disk. The cursor pins the log from there on, so nothing after the backfill's end can
   * be lost in between.
   */
  public synchronized CheckpointLog.Cursor registerCursorAtOldest(String name, Runnable onAppend) {
    log.syncIfIdle(highSeqno + 1);
    return log.register(name, log.firstSeqno(), true, onAppend);
  }

  /**
   * An ephemeral bucket's backfill: the current version of every key changed after {@code
   * fromSeqno} (tombstones included), in seqno order, and a reader registered right after them,
   * atomically, so the switch to memory has no gap and no duplicate.
   */
  public synchronized MemorySnapshot snapshotSince(long fromSeqno, String name, Runnable onAppend) {
    List<Item> changed = new ArrayList<>();
    items.forEach(
        item -> {
          if (item.bySeqno() > fromSeqno) {
            changed.add(item);
          }
        });
    changed.sort(Comparator.comparingLong(Item::bySeqno));
    return new MemorySnapshot(
        changed, highSeqno, log.register(name, highSeqno + 1, true, onAppend));
  }

  /** What {@link #snapshotSince} took: the items, the seqno they are consistent at, the reader. */
  public record MemorySnapshot(List<Item> items, long endSeqno, CheckpointLog.Cursor cursor) {}

  /** See {@link CheckpointLog#peek}; an empty result with a dropped cursor means: go to disk. */
  public synchronized void readLog(CheckpointLog.Cursor cursor, int max, List<Item> out) {
    log.peek(cursor, max, out);
  }

  public synchronized void advanceCursor(CheckpointLog.Cursor cursor, long sentSeqno) {
    log.advance(cursor, sentSeqno);
  }

  /** Skips a reader past what it got from disk. */
  public synchronized void seekCursor(CheckpointLog.Cursor cursor, long next) {
    log.seek(cursor, next);
  }

  public synchronized void unregisterCursor(CheckpointLog.Cursor cursor) {
    log.unregister(cursor);
  }

  /** Readers of the log: the flusher's (couchbase buckets) and one per DCP stream. */
  public synchronized int logCursors() {
    return log.cursorCount();
  }

  public synchronized boolean isDropped(CheckpointLog.Cursor cursor) {
    return CheckpointLog.isDropped(cursor);
  }

  /** The highest seqno of a purged tombstone: a client behind it may have missed a deletion. */
  public synchronized long purgeSeqno() {
    return purgeSeqno;
  }

  /**
   * Seqnos up to this one were emptied by a flush. The disk may still hold some of them until its
   * own flush runs on the storage thread, and may never hold the ones that were not yet persisted:
   * a backfill treats them all as gone.
   */
  public synchronized long flushSeqno() {
    return flushSeqno;
  }

  /** Mutations held in memory for readers (stats). */
  public synchronized int logSize() {
    return log.size();
  }

  /** Warmup: puts back an item read from disk (no new seqno, not dirty). */
  public synchronized void restore(Item item) {
    Item old = items.put(item);
    if (old != null) {
      stats.memoryReleased(old.memoryFootprint());
      if (!old.deleted()) {
        liveItems--;
        stats.itemsRemoved(1);
      }
    }
    stats.memoryUsed(item.memoryFootprint());
    if (!item.deleted()) {
      liveItems++;
      stats.itemsAdded(1);
    }
    highSeqno = Math.max(highSeqno, item.bySeqno());
    casClock.observe(item.cas());
    log.syncIfIdle(highSeqno + 1);
  }

  /**
   * Warmup: the vBucket's persisted state. After an unclean shutdown a new failover-log entry
   * starts a new history branch at the persisted seqno, as Couchbase does: whatever a client saw
   * beyond it may be gone.
   */
  public synchronized void restoreState(
      VBucketState restoredState,
      long restoredHighSeqno,
      long restoredPurgeSeqno,
      List<FailoverLog.Entry> failoverEntries,
      boolean uncleanShutdown) {
    this.state = restoredState;
    this.highSeqno = Math.max(highSeqno, restoredHighSeqno);
    this.purgeSeqno = Math.max(purgeSeqno, restoredPurgeSeqno);
    this.persistedSeqno = highSeqno;
    log.syncIfIdle(highSeqno + 1);
    failoverLog.replace(failoverEntries);
    if (uncleanShutdown && restoredState == VBucketState.ACTIVE) {
      failoverLog.add(newUuid(), highSeqno);
    }
  }

  /** Live documents (expired ones count until something notices they expired). */
  public synchronized long liveItems() {
    return liveItems;
  }

  // ---- reads ----

  /** GET: the live item; a locked item shows {@link Item#LOCKED_CAS}. */
  public synchronized KvResult get(ItemKey key) {
    Item item = liveWithValue(key);
    if (item == null) {
      return KvResult.failure(Status.KEY_ENOENT);
    }
    long cas = item.isLockedAt(clock.currentTimeMillis()) ? Item.LOCKED_CAS : item.cas();
    return new KvResult(Status.SUCCESS, item, cas);
  }

  /** GET_META: the item's metadata, tombstones included; a locked item hides its CAS. */
  public synchronized KvResult getMeta(ItemKey key) {
    Item item = current(key);
    if (item == null) {
      return KvResult.failure(Status.KEY_ENOENT);
    }
    long cas = item.isLockedAt(clock.currentTimeMillis()) ? Item.LOCKED_CAS : item.cas();
    return new KvResult(Status.SUCCESS, item, cas);
  }

  // ---- mutations ----

  /**
   * SET / ADD / REPLACE.
   *
   * @param expiry absolute Unix seconds (0 = never)
   * @param preserveTtl keep the existing document's expiry (PreserveTtl frame info)
   */
  public synchronized KvResult store(
      StoreMode mode,
      ItemKey key,
      byte[] value,
      int flags,
      long expiry,
      int datatype,
      long cas,
      boolean preserveTtl) {
    Item old = live(key);
    switch (mode) {
      case ADD -> {
        if (old != null) {
          return KvResult.failure(Status.KEY_EEXISTS);
        }
      }
      case REPLACE -> {
        if (old == null) {
          return KvResult.failure(Status.KEY_ENOENT);
        }
      }
      case SET -> {
        if (old == null && cas != 0) {
          return KvResult.failure(Status.KEY_ENOENT);
        }
      }
    }
    Status refused = checkCasAndLock(old, cas);
    if (refused != null) {
      return KvResult.failure(refused);
    }
    long newExpiry = preserveTtl && old != null ? old.expiry() : expiry;
    return KvResult.success(write(key, value, flags, newExpiry, datatype, false));
  }

  /** DELETE: leaves a tombstone with its own seqno (a memcached bucket just forgets the key). */
  public synchronized KvResult delete(ItemKey key, long cas) {
    Item old = live(key);
    if (old == null) {
      return KvResult.failure(Status.KEY_ENOENT);
    }
    Status refused = checkCasAndLock(old, cas);
    if (refused != null) {
      return KvResult.failure(refused);
    }
    // A tombstone's expiry holds its deletion time (as in Couchbase): the purger ages it by that.
    return KvResult.success(write(key, EMPTY, old.flags(), clock.currentTimeSeconds(), 0, true));
  }

  /**
   * INCREMENT / DECREMENT of an ASCII decimal counter: increment wraps at 2^64, decrement stops at
   * 0. A missing counter is created with {@code initial} unless {@code wireExpiry} is 0xffffffff.
   */
  public synchronized KvResult arithmetic(
      ItemKey key, boolean increment, long delta, long initial, long wireExpiry, long cas) {
    Item old = liveWithValue(key);
    if (old == null) {
      if ((wireExpiry & 0xffffffffL) == 0xffffffffL || cas != 0) {
        return KvResult.failure(Status.KEY_ENOENT);
      }
      long expiry = Expiry.toAbsolute(wireExpiry, clock.currentTimeSeconds());
      return KvResult.success(
          write(key, counterBytes(initial), 0, expiry, org.settee.protocol.Datatype.JSON, false));
    }
    Status refused = checkCasAndLock(old, cas);
    if (refused != null) {
      return KvResult.failure(refused);
    }
    Long current = parseCounter(old.value());
    if (current == null) {
      return KvResult.failure(Status.DELTA_BADVAL);
    }
    long next;
    if (increment) {
      next = current + delta;
    } else {
      next = Long.compareUnsigned(current, delta) <= 0 ? 0 : current - delta;
    }
    return KvResult.success(
        write(
            key,
            counterBytes(next),
            old.flags(),
            old.expiry(),
            org.settee.protocol.Datatype.JSON,
            false));
  }

  /**
   * APPEND / PREPEND: the document keeps its flags and expiry; a missing one is NOT_STORED, and one
   * that would grow over {@code maxSize} is E2BIG.
   *
   * @param datatypeOf the datatype of the joined value (JSON detection)
   */
  public synchronized KvResult concat(
      ItemKey key,
      byte[] piece,
      boolean append,
      long cas,
      int maxSize,
      ToIntFunction<byte[]> datatypeOf) {
    Item old = liveWithValue(key);
    if (old == null) {
      return KvResult.failure(Status.NOT_STORED);
    }
    Status refused = checkCasAndLock(old, cas);
    if (refused != null) {
      return KvResult.failure(refused);
    }
    byte[] oldValue = old.value();
    if ((long) oldValue.length + piece.length > maxSize) {
      return KvResult.failure(Status.E2BIG);
    }
    byte[] joined = new byte[oldValue.length + piece.length];
    if (append) {
      System.arraycopy(oldValue, 0, joined, 0, oldValue.length);
      System.arraycopy(piece, 0, joined, oldValue.length, piece.length);
    } else {
      System.arraycopy(piece, 0, joined, 0, piece.length);
      System.arraycopy(oldValue, 0, joined, piece.length, oldValue.length);
    }
    return KvResult.success(
        write(key, joined, old.flags(), old.expiry(), datatypeOf.applyAsInt(joined), false));
  }

  /** TOUCH and GAT: a new expiry and CAS; a locked document cannot be touched. */
  public synchronized KvResult touch(ItemKey key, long expiry) {
    Item old = liveWithValue(key);
    if (old == null) {
      return KvResult.failure(Status.KEY_ENOENT);
    }
    if (old.isLockedAt(clock.currentTimeMillis())) {
      return KvResult.failure(Status.LOCKED);
    }
    return KvResult.success(write(key, old.value(), old.flags(), expiry, old.datatype(), false));
  }

  /**
   * GET_LOCKED: locks the document for {@code lockSeconds} (0 or over the maximum means the
   * default) and gives the holder a fresh CAS, the only one that unlocks or mutates it.
   */
  public synchronized KvResult getLocked(ItemKey key, long lockSeconds) {
    Item old = liveWithValue(key);
    if (old == null) {
      return KvResult.failure(Status.KEY_ENOENT);
    }
    long now = clock.currentTimeMillis();
    if (old.isLockedAt(now)) {
      return KvResult.failure(Status.LOCKED);
    }
    long seconds =
        lockSeconds <= 0 || lockSeconds > MAX_LOCK_SECONDS ? DEFAULT_LOCK_SECONDS : lockSeconds;
    Item locked = old.withLock(casClock.next(), now + seconds * 1000);
    items.put(key, locked);
    return KvResult.success(locked);
  }

  /** UNLOCK_KEY: only with the lock's CAS. */
  public synchronized KvResult unlock(ItemKey key, long cas) {
    Item old = live(key);
    if (old == null) {
      return KvResult.failure(Status.KEY_ENOENT);
    }
    if (!old.isLockedAt(clock.currentTimeMillis())) {
      return KvResult.failure(Status.NOT_LOCKED);
    }
    if (old.cas() != cas) {
      return KvResult.failure(Status.LOCKED);
    }
    Item unlocked = old.unlocked();
    items.put(key, unlocked);
    return KvResult.success(unlocked);
  }

  /** Drops every document (bucket flush). Seqnos keep counting: history never goes back. */
  public synchronized void flush() {
    items.forEach(item -> stats.memoryReleased(item.memoryFootprint()));
    stats.itemsRemoved(liveItems);
    items.clear();
    liveItems = 0;
    // DCP readers cannot follow a flush (it has no seqnos): their streams end, and a new history
    // branch makes every client that comes back roll back to 0 and see the empty bucket.
    log.clear(highSeqno + 1);
    flushSeqno = highSeqno;
    failoverLog.replace(List.of(new FailoverLog.Entry(newUuid(), 0)));
    // On disk the flush is the flusher's: it empties the vBucket there and stores the new failover
    // log in one durable batch, ordered with the writes around it. Until then nothing up to the
    // flush seqno counts as persisted, and a crash brings back the state before the flush, whole.
    flushes++;
    if (persistent()) {
      // The seqnos up to the flush were persisted on the old branch; on the new one they count
      // once the flush's batch is on disk (OBSERVE_SEQNO, PersistTo wait for it).
      persistedSeqno = Math.max(0, Math.min(persistedSeqno, flushSeqno - 1));
      hasDirty = true;
      flusherWake.run();
    }
  }

  private static long newUuid() {
    long uuid;
    do {
      uuid = ThreadLocalRandom.current().nextLong() & 0xFFFF_FFFF_FFFFL;
    } while (uuid == 0);
    return uuid;
  }

  /**
   * The expiry pager's pass: every live item past its expiry becomes a tombstone (an expiration,
   * with its own seqno), as if a client had read it.
   *
   * @return how many items expired
   */
  public synchronized int expireAll() {
    long now = clock.currentTimeSeconds();
    List<ItemKey> expired = new ArrayList<>();
    items.forEach(
        item -> {
          if (!item.deleted() && item.isExpiredAt(now)) {
            expired.add(item.key());
          }
        });
    for (ItemKey key : expired) {
      current(key);
    }
    return expired.size();
  }

  /**
   * Drops tombstones deleted before {@code cutoffSeconds} that are already on disk, if the bucket
   * has a disk (the caller removes them there too). Returns them, so that storage can check each is
   * still the newest version of its key before deleting it.
   */
  public synchronized List<Item> purgeTombstones(long cutoffSeconds) {
    List<Item> purged = new ArrayList<>();
    for (Item item : snapshot()) {
      boolean onDisk = !persistent() || item.bySeqno() <= persistedSeqno;
      if (item.deleted() && item.expiry() < cutoffSeconds && onDisk) {
        purged.add(item);
      }
    }
    for (Item item : purged) {
      items.remove(item.key());
      removals++;
      stats.memoryReleased(item.memoryFootprint());
      purgeSeqno = Math.max(purgeSeqno, item.bySeqno());
    }
    return purged;
  }

  /** Visits every item (tombstones included) under the lock; for flush-to-disk tests and stats. */
  public synchronized void forEach(java.util.function.Consumer<Item> visitor) {
    items.forEach(visitor);
  }

  // ---- internals, all called under the monitor ----

  /** The items as a list, for passes that change the table as they go. */
  private List<Item> snapshot() {
    List<Item> all = new ArrayList<>(items.size());
    items.forEach(all::add);
    return all;
  }

  /** The live item for a key, or null; an expired item found here becomes a tombstone. */
  private Item live(ItemKey key) {
    Item item = current(key);
    return item == null || item.deleted() ? null : item;
  }

  /**
   * The live item of an operation that reads or rewrites its value.
   *
   * @throws ValueNotResident when the value was evicted after the command's residency check
   */
  private Item liveWithValue(ItemKey key) {
    Item item = live(key);
    if (item != null && !item.isResident()) {
      throw ValueNotResident.INSTANCE;
    }
    return item;
  }

  /** The item for a key, tombstones included, after lazy expiry. */
  private Item current(ItemKey key) {
    Item item = items.get(key);
    if (item == null && fullEviction) {
      MissGuard guard = MISS_GUARD.get();
      if (guard != null && guard.vb() == this && guard.removals() != removals) {
        // This very key may have left memory since the command knew where it was: only the disk
        // can say whether it exists.
        throw ValueNotResident.INSTANCE;
      }
    }
    if (item != null && !item.deleted() && item.isExpiredAt(clock.currentTimeSeconds())) {
      stats.expired();
      return install(
          key,
          item,
          Item.expiration(
              key,
              item.flags(),
              casClock.next(),
              clock.currentTimeSeconds(),
              ++highSeqno,
              item.revSeqno() + 1));
    }
    return item;
  }

  /**
   * The CAS and lock rules shared by every mutation: a non-zero CAS must match; a locked item takes
   * only its lock CAS (and the mutation releases the lock).
   */
  private Status checkCasAndLock(Item old, long cas) {
    if (old == null) {
      return null;
    }
    if (old.isLockedAt(clock.currentTimeMillis())) {
      return cas == old.cas() ? null : Status.LOCKED;
    }
    if (cas != 0 && cas != old.cas()) {
      return Status.KEY_EEXISTS;
    }
    return null;
  }

  /** Installs a new version of a key with the next CAS and seqno. */
  private Item write(
      ItemKey key, byte[] value, int flags, long expiry, int datatype, boolean deleted) {
    Item old = items.get(key);
    long revSeqno = old == null ? 1 : old.revSeqno() + 1;
    return install(
        key,
        old,
        new Item(
            key,
            value,
            flags,
            casClock.next(),
            expiry,
            datatype,
            ++highSeqno,
            revSeqno,
            deleted,
            0));
  }

  /**
   * Makes {@code item} (which has the next seqno) the key's current version in place of {@code
   * old}: the table, the change log, the flusher and the item counts.
   */
  private Item install(ItemKey key, Item old, Item item) {
    boolean deleted = item.deleted();
    boolean wasLive = old != null && !old.deleted();
    if (old != null) {
      stats.memoryReleased(old.memoryFootprint());
    }
    if (deleted && !keepTombstones) {
      items.remove(key);
      removals++;
    } else {
      items.put(key, item);
      stats.memoryUsed(item.memoryFootprint());
    }
    log.append(item);
    if (flusherCursor != null) {
      if (!hasDirty) {
        hasDirty = true;
      }
      flusherWake.run();
    }
    if (wasLive && deleted) {
      liveItems--;
      stats.itemsRemoved(1);
    } else if (!wasLive && !deleted) {
      liveItems++;
      stats.itemsAdded(1);
    }
    return item;
  }

  static byte[] counterBytes(long value) {
    return Long.toUnsignedString(value).getBytes(StandardCharsets.US_ASCII);
  }

  /** Parses an unsigned decimal counter; null when the document is not one. */
  static Long parseCounter(byte[] value) {
    if (value.length == 0 || value.length > 20) {
      return null;
    }
    for (byte b : value) {
      if (b < '0' || b > '9') {
        return null;
      }
    }
    try {
      return Long.parseUnsignedLong(new String(value, StandardCharsets.US_ASCII));
    } catch (NumberFormatException overflow) {
      return null;
    }
  }
}
