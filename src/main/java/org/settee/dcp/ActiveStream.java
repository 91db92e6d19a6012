package org.settee.dcp;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.settee.kv.CheckpointLog;
import org.settee.kv.Item;
import org.settee.kv.VBucket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One vBucket's stream to a DCP client. Lifecycle: PENDING -> BACKFILLING (history the in-memory
 * log no longer holds, read from disk as one disk snapshot) -> IN_MEMORY (following the log, one
 * memory snapshot per batch) -> DEAD; a stream whose log cursor was dropped (too slow) goes back to
 * BACKFILLING from where it was.
 *
 * <p>The switch from disk to memory has no gap and no duplicate: before the disk snapshot is taken,
 * the stream's cursor already pins the log at a seqno the disk holds, and after the backfill it
 * skips to just past the disk snapshot's end.
 *
 * <p>Owned by its producer's event loop; other threads only post to it.
 */
final class ActiveStream {
  private static final Logger LOG = LoggerFactory.getLogger(ActiveStream.class);
  private static final int MEMORY_BATCH = 256;

  enum State {
    PENDING,
    BACKFILLING,
    IN_MEMORY,
    DEAD
  }

  private final DcpProducer producer;
  private final VBucket vbucket;
  private final int opaque;
  private final long endSeqno;
  private final long requestedSnapStart;
  private final String name;

  /** The history branch the stream started on: a flush starts a new one, and ends the stream. */
  private final long uuid;

  /** Volatile for the stats, read from other threads; changed only on the loop. */
  private volatile State state = State.PENDING;

  /** The client has a consistent view up to here: the end of the last snapshot fully sent. */
  private long position;

  /** {@link #position} for the stats, published once per snapshot sent. */
  private volatile long sentSeqno;

  private final long startSeqno;

  private boolean firstMarker = true;
  private boolean checkpointNext = true;
  private CheckpointLog.Cursor cursor;

  private Backfill backfill;
  private final ArrayDeque<Item> buffered = new ArrayDeque<>();
  private boolean chunkInFlight;
  private boolean backfillDone;
  private boolean diskMarkerSent;
  private long backfillEnd = -1;

  /** In the producer's ready queue. */
  boolean queued;

  /** The client closed it; its STREAM_END(CLOSED) follows the close response, then nothing. */
  boolean closing;

  ActiveStream(
      DcpProducer producer,
      VBucket vbucket,
      int opaque,
      long startSeqno,
      long endSeqno,
      long snapStart) {
    this.producer = producer;
    this.vbucket = vbucket;
    this.opaque = opaque;
    this.position = startSeqno;
    this.startSeqno = startSeqno;
    this.sentSeqno = startSeqno;
    this.endSeqno = endSeqno;
    this.requestedSnapStart = snapStart;
    this.name = "dcp:" + producer.name() + ":vb" + vbucket.id();
    this.uuid = vbucket.uuid();
  }

  /**
   * The log dropped the stream's cursor: if the vBucket's history moved to a new branch (a flush),
   * the client must re-request and roll back; otherwise the stream was just too slow and reads the
   * disk again.
   *
   * @return bytes written
   */
  private int cursorLost(ByteBuf out) {
    cursor = null;
    if (vbucket.uuid() != uuid || vbucket.state() != org.settee.kv.VBucketState.ACTIVE) {
      return end(out, StreamEndReason.STATE_CHANGED);
    }
    LOG.debug("{}: too far behind the log, back to a backfill from {}", name, position + 1);
    startBackfill();
    return 0;
  }

  int vb() {
    return vbucket.id();
  }

  long startSeqno() {
    return startSeqno;
  }

  long endSeqno() {
    return endSeqno;
  }

  /** The end of the last snapshot fully sent (stats: any thread). */
  long sentSeqno() {
    return sentSeqno;
  }

  int opaque() {
    return opaque;
  }

  State state() {
    return state;
  }

  boolean isDead() {
    return state == State.DEAD;
  }

  /** Begins streaming, after the success response was queued. */
  void start(ByteBuf out) {
    if (position >= endSeqno) {
      end(out, StreamEndReason.OK);
      return;
    }
    cursor = vbucket.registerCursor(name, position + 1, this::wake);
    if (cursor != null) {
      transition(State.IN_MEMORY);
      producer.ready(this);
    } else {
      startBackfill();
    }
  }

  /** A writer appended to the log (or the cursor was dropped): any thread. */
  private void wake() {
    producer.wakeFromAnyThread(this);
  }

  private void startBackfill() {
    transition(State.BACKFILLING);
    if (cursor != null) {
      vbucket.unregisterCursor(cursor);
      cursor = null;
    }
    if (producer.storage() != null) {
      // Pins the log at its oldest entry, which the disk snapshot taken next reaches.
      cursor = vbucket.registerCursorAtOldest(name, this::wake);
    }
    buffered.clear();
    backfillDone = false;
    diskMarkerSent = false;
    backfillEnd = -1;
    chunkInFlight = true;
    backfill =
        new Backfill(
            vbucket,
            producer.storage(),
            position + 1,
            endSeqno,
            producer.backfillExecutor(),
            new Backfill.Sink() {
              @Override
              public void chunk(
                  List<Item> items,
                  long snapshotEnd,
                  CheckpointLog.Cursor memoryCursor,
                  boolean done) {
                producer.onLoop(() -> onChunk(items, snapshotEnd, memoryCursor, done));
              }

              @Override
              public void failed(Exception cause) {
                producer.onLoop(() -> onBackfillFailed(cause));
              }
            },
            name,
            this::wake);
    producer.scheduleBackfill(this);
  }

  /** The producer gives this stream a backfill slot. */
  void runBackfill() {
    if (backfill != null) {
      backfill.requestChunk();
    }
  }

  private void onChunk(
      List<Item> items, long snapshotEnd, CheckpointLog.Cursor memoryCursor, boolean done) {
    if (state != State.BACKFILLING) {
      if (memoryCursor != null) {
        vbucket.unregisterCursor(memoryCursor);
      }
      return;
    }
    if (memoryCursor != null) {
      cursor = memoryCursor;
    }
    chunkInFlight = false;
    backfillEnd = snapshotEnd;
    buffered.addAll(items);
    if (done) {
      backfillDone = true;
      producer.backfillFinished(this);
    }
    producer.ready(this);
  }

  private void onBackfillFailed(Exception cause) {
    if (state == State.DEAD) {
      return;
    }
    LOG.warn("{}: backfill failed, ending the stream: {}", name, cause.getMessage());
    producer.endStream(this, StreamEndReason.BACKFILL_FAIL);
  }

  /**
   * Writes what the stream has ready, about {@code budget} bytes (at least one message if it has
   * any).
   *
   * @return the bytes written, 0 when the stream has nothing ready (it is woken when it has)
   */
  int emit(ByteBuf out, long budget) {
    if (closing) {
      return 0;
    }
    int written = 0;
    if (state == State.BACKFILLING) {
      written += emitBackfill(out, budget);
      if (state != State.IN_MEMORY) {
        return written;
      }
    }
    if (state == State.IN_MEMORY) {
      written += emitMemory(out, budget - written);
    }
    return written;
  }

  private int emitBackfill(ByteBuf out, long budget) {
    int written = 0;
    if (!diskMarkerSent) {
      if (backfillEnd < 0) {
        return 0; // the first chunk is still being read
      }
      if (!(buffered.isEmpty() && backfillDone && backfillEnd <= position)) {
        long start = firstMarker ? Math.min(requestedSnapStart, position + 1) : position + 1;
        written +=
            DcpFrames.snapshotMarker(
                out,
                vb(),
                opaque,
                start,
                backfillEnd,
                DcpFrames.MARKER_DISK | DcpFrames.MARKER_CHECKPOINT);
        firstMarker = false;
      }
      diskMarkerSent = true;
    }
    while (written < budget && !buffered.isEmpty()) {
      written += producer.writeItem(out, vb(), opaque, buffered.poll());
    }
    if (!backfillDone && !chunkInFlight && buffered.size() < Backfill.CHUNK_ITEMS / 2) {
      chunkInFlight = true;
      backfill.requestChunk();
    }
    if (!buffered.isEmpty() || !backfillDone) {
      return written;
    }
    // The disk snapshot is all sent.
    position = Math.max(position, backfillEnd);
    sentSeqno = position;
    backfill = null;
    if (position >= endSeqno) {
      written += end(out, StreamEndReason.OK);
      return written;
    }
    if (cursor == null || vbucket.isDropped(cursor)) {
      return written + cursorLost(out); // the log moved on meanwhile
    }
    vbucket.seekCursor(cursor, position + 1);
    transition(State.IN_MEMORY);
    checkpointNext = true;
    return written;
  }

  private int emitMemory(ByteBuf out, long budget) {
    List<Item> batch = new ArrayList<>();
    vbucket.readLog(cursor, MEMORY_BATCH, batch);
    if (batch.isEmpty()) {
      return vbucket.isDropped(cursor) ? cursorLost(out) : 0;
    }
    int n = 0;
    long bytes = 0;
    for (Item item : batch) {
      if (item.bySeqno() > endSeqno || (n > 0 && bytes >= budget)) {
        break;
      }
      n++;
      bytes += DcpFrames.HEADER + 31 + item.keyLength() + item.valueLength();
    }
    Item first = batch.get(0);
    Item last = batch.get(n - 1);
    long start = firstMarker ? Math.min(requestedSnapStart, first.bySeqno()) : first.bySeqno();
    int flags = DcpFrames.MARKER_MEMORY | (checkpointNext ? DcpFrames.MARKER_CHECKPOINT : 0);
    int written = DcpFrames.snapshotMarker(out, vb(), opaque, start, last.bySeqno(), flags);
    firstMarker = false;
    checkpointNext = false;
    for (int i = 0; i < n; i++) {
      written += producer.writeItem(out, vb(), opaque, batch.get(i));
    }
    position = last.bySeqno();
    sentSeqno = position;
    vbucket.advanceCursor(cursor, position);
    if (position >= endSeqno) {
      written += end(out, StreamEndReason.OK);
    }
    return written;
  }

  /**
   * Ends the stream: sends STREAM_END (unless the connection is going away) and releases the cursor
   * and backfill. Idempotent.
   *
   * @return bytes written
   */
  int end(ByteBuf out, StreamEndReason reason) {
    if (state == State.DEAD) {
      return 0;
    }
    int written = 0;
    if (reason != StreamEndReason.DISCONNECTED && out != null) {
      written = DcpFrames.streamEnd(out, vb(), opaque, reason);
    }
    release();
    producer.removed(this, reason);
    return written;
  }

  /** Drops the stream without a word (the client closed it, or the connection is going). */
  void release() {
    if (state == State.DEAD) {
      return;
    }
    transition(State.DEAD);
    if (cursor != null) {
      vbucket.unregisterCursor(cursor);
      cursor = null;
    }
    if (backfill != null) {
      backfill.cancel();
      backfill = null;
      producer.backfillFinished(this);
    }
    buffered.clear();
  }

  private void transition(State next) {
    if (next != state) {
      LOG.debug("{}: {} -> {}", name, state, next);
      state = next;
    }
  }
}
