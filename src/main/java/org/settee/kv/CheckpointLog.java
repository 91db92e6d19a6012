package org.settee.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * A vBucket's in-memory change log: every mutation in seqno order (one entry per seqno, no gaps),
 * from the oldest position a reader still needs up to the high seqno. Its readers are cursors: the
 * flusher's (what is not yet on disk) and one per DCP stream (what the stream has not yet sent).
 *
 * <p>Entries nobody needs are dropped at once, so with no stream and a flusher that keeps up the
 * log holds a few milliseconds of writes. A DCP cursor that falls more than {@code capacity}
 * entries behind is dropped (kv_engine's cursor dropping): its stream goes back to disk, and a slow
 * consumer never makes the server hold unbounded memory. The flusher's cursor is never dropped; a
 * failing disk makes the bucket refuse writes instead.
 *
 * <p>Not thread-safe: its vBucket calls it under the vBucket's monitor.
 */
public final class CheckpointLog {
  /** A reader's position: the seqno of the next entry it wants. */
  public static final class Cursor {
    private final String name;
    private final boolean droppable;
    private final Runnable onAppend;
    private long next;
    private boolean dropped;
    private boolean waiting;

    Cursor(String name, long next, boolean droppable, Runnable onAppend) {
      this.name = name;
      this.next = next;
      this.droppable = droppable;
      this.onAppend = onAppend;
    }

    public String name() {
      return name;
    }

    /** The seqno of the next entry this reader wants. */
    public long next() {
      return next;
    }
  }

  private final int capacity;
  private Item[] ring = new Item[64];
  private int head;
  private int size;

  /** The seqno of the entry at {@code head} (or of the next append when empty). */
  private long firstSeqno;

  private final List<Cursor> cursors = new ArrayList<>(2);

  CheckpointLog(long nextSeqno, int capacity) {
    this.firstSeqno = nextSeqno;
    this.capacity = capacity;
  }

  /** The oldest seqno still held (or the next one to come, when empty). */
  long firstSeqno() {
    return firstSeqno;
  }

  int cursorCount() {
    return cursors.size();
  }

  int size() {
    return size;
  }

  /** Appends the mutation with the next seqno and wakes the readers that were waiting for it. */
  void append(Item item) {
    if (cursors.isEmpty()) {
      // Nobody reads: keep nothing (an ephemeral bucket without streams).
      firstSeqno = item.bySeqno() + 1;
      return;
    }
    if (item.bySeqno() != firstSeqno + size) {
      throw new IllegalStateException(
          "checkpoint log gap: seqno " + item.bySeqno() + " after " + (firstSeqno + size - 1));
    }
    if (size == ring.length) {
      grow();
    }
    ring[(head + size) & (ring.length - 1)] = item;
    size++;
    for (int i = 0; i < cursors.size(); i++) {
      Cursor c = cursors.get(i);
      if (c.waiting) {
        c.waiting = false;
        c.onAppend.run();
      }
    }
    if (size > capacity) {
      dropSlowCursors();
    }
  }

  private void grow() {
    Item[] bigger = new Item[ring.length * 2];
    for (int i = 0; i < size; i++) {
      bigger[i] = ring[(head + i) & (ring.length - 1)];
    }
    ring = bigger;
    head = 0;
  }

  /**
   * Registers a reader that wants every entry from {@code next} on. The log must still hold that
   * position ({@code next >= firstSeqno()}); older history is on disk.
   */
  Cursor register(String name, long next, boolean droppable, Runnable onAppend) {
    if (next < firstSeqno) {
      throw new IllegalArgumentException(
          "cursor " + name + " at " + next + " but the log starts at " + firstSeqno);
    }
    Cursor c = new Cursor(name, next, droppable, onAppend);
    cursors.add(c);
    return c;
  }

  /**
   * Moves an idle log (no reader, nothing held) to {@code next}: history restored by warmup is on
   * disk, not here.
   */
  void syncIfIdle(long next) {
    if (size == 0 && cursors.isEmpty()) {
      firstSeqno = next;
    }
  }

  void unregister(Cursor c) {
    if (cursors.remove(c)) {
      trim();
    }
  }

  /** Whether the cursor lost its place (it was too slow): its reader must go back to disk. */
  static boolean isDropped(Cursor c) {
    return c.dropped;
  }

  /**
   * Copies up to {@code max} entries from the cursor's position into {@code out}, without moving
   * the cursor ({@link #advance} does, once the reader is done with them). When there is nothing,
   * the cursor's callback runs on the next append.
   */
  void peek(Cursor c, int max, List<Item> out) {
    peek(c, max, Long.MAX_VALUE, 0, out);
  }

  /**
   * As {@link #peek(Cursor, int, List)}, stopping once the entries taken hold {@code maxBytes}:
   * their keys and values plus {@code perItem} each (at least one entry is taken, however large).
   */
  void peek(Cursor c, int max, long maxBytes, int perItem, List<Item> out) {
    if (c.dropped) {
      return;
    }
    long from = c.next;
    int available = (int) Math.min(max, firstSeqno + size - from);
    if (available <= 0) {
      c.waiting = true;
      return;
    }
    int offset = (int) (from - firstSeqno);
    long bytes = 0;
    for (int i = 0; i < available && bytes < maxBytes; i++) {
      Item item = ring[(head + offset + i) & (ring.length - 1)];
      out.add(item);
      bytes += item.keyLength() + item.valueLength() + perItem;
    }
  }

  /** The reader has what it needs up to {@code seqno}: entries before it may go. */
  void advance(Cursor c, long seqno) {
    if (c.dropped || seqno + 1 <= c.next) {
      return;
    }
    c.next = seqno + 1;
    trim();
  }

  /** Moves a cursor forward to {@code next} without reading (the part before came from disk). */
  void seek(Cursor c, long next) {
    if (!c.dropped && next > c.next) {
      c.next = Math.min(next, firstSeqno + size);
      trim();
    }
  }

  /** Drops every cursor but the undroppable ones (flush, vBucket state change) and wakes them. */
  void dropAll() {
    for (Cursor c : List.copyOf(cursors)) {
      if (c.droppable) {
        drop(c);
      }
    }
    trim();
  }

  /** Forgets every entry (bucket flush): the flusher's cursor moves past them. */
  void clear(long nextSeqno) {
    dropAll();
    for (Cursor c : cursors) {
      c.next = nextSeqno;
    }
    while (size > 0) {
      ring[head] = null;
      head = (head + 1) & (ring.length - 1);
      size--;
    }
    firstSeqno = nextSeqno;
  }

  private void dropSlowCursors() {
    long keepFrom = firstSeqno + size - capacity / 2;
    for (Cursor c : List.copyOf(cursors)) {
      if (c.droppable && c.next < keepFrom) {
        drop(c);
      }
    }
    trim();
  }

  private void drop(Cursor c) {
    c.dropped = true;
    cursors.remove(c);
    c.waiting = false;
    c.onAppend.run();
  }

  /** Releases entries that every cursor is past. */
  private void trim() {
    long low = firstSeqno + size;
    for (int i = 0; i < cursors.size(); i++) {
      low = Math.min(low, cursors.get(i).next);
    }
    while (firstSeqno < low) {
      ring[head] = null;
      head = (head + 1) & (ring.length - 1);
      size--;
      firstSeqno++;
    }
    if (ring.length > 1024 && size < ring.length / 8) {
      shrink();
    }
  }

  private void shrink() {
    int length = ring.length;
    while (length > 64 && size < length / 4) {
      length /= 2;
    }
    Item[] smaller = new Item[length];
    for (int i = 0; i < size; i++) {
      smaller[i] = ring[(head + i) & (ring.length - 1)];
    }
    ring = smaller;
    head = 0;
  }
}
