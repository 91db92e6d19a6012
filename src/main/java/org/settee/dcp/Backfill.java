package org.settee.dcp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.settee.kv.CheckpointLog;
import org.settee.kv.Item;
import org.settee.kv.VBucket;
import org.settee.storage.BucketStorage;
import org.settee.storage.SeqnoScan;
import org.settee.storage.StorageClosedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream's read of history that the in-memory log no longer holds: from disk (a couchbase
 * bucket, one RocksDB snapshot) or from the hash table (an ephemeral bucket). It runs on the
 * backfill executor, a chunk at a time, and only when the stream asks for the next chunk: a slow
 * consumer holds at most two chunks in memory, never the whole vBucket.
 *
 * <p>Every touch of the scan happens on the executor under this object's lock; the stream (on its
 * event loop) only submits tasks, so cancelling never blocks a loop.
 */
final class Backfill {
  private static final Logger LOG = LoggerFactory.getLogger(Backfill.class);
  static final int CHUNK_ITEMS = 1_000;
  static final long CHUNK_BYTES = 1 << 20;

  /** Where a chunk goes: called on the executor; the receiver hops to its loop. */
  interface Sink {
    /**
     * @param cursor for a memory backfill, the log reader registered right after its snapshot
     * @param done nothing more follows
     */
    void chunk(List<Item> items, long snapshotEnd, CheckpointLog.Cursor cursor, boolean done);

    void failed(Exception cause);
  }

  private final VBucket vbucket;
  private final BucketStorage storage;
  private final long fromSeqno;
  private final long toSeqno;
  private final Executor executor;
  private final Sink sink;
  private final String name;
  private final Runnable onAppend;
  private SeqnoScan scan;
  private List<Item> memory;
  private int memoryNext;
  private long snapshotEnd;
  private boolean finished;

  /**
   * @param storage null for a bucket without disk: the hash table is read instead
   */
  Backfill(
      VBucket vbucket,
      BucketStorage storage,
      long fromSeqno,
      long toSeqno,
      Executor executor,
      Sink sink,
      String name,
      Runnable onAppend) {
    this.vbucket = vbucket;
    this.storage = storage;
    this.fromSeqno = fromSeqno;
    this.toSeqno = toSeqno;
    this.executor = executor;
    this.sink = sink;
    this.name = name;
    this.onAppend = onAppend;
  }

  /** Reads the next chunk, off the loop. */
  void requestChunk() {
    submit(this::readChunk);
  }

  /** Stops the backfill and releases its snapshot; idempotent. */
  void cancel() {
    submit(this::finish);
  }

  private void submit(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException stopping) {
      // The node is stopping: the store closes every scan it still has.
    }
  }

  private synchronized void readChunk() {
    if (finished) {
      return;
    }
    try {
      List<Item> chunk = new ArrayList<>();
      CheckpointLog.Cursor cursor = null;
      boolean more;
      if (storage != null) {
        if (scan == null) {
          // What a flush emptied is not history to send, even where the disk still has it (its
          // delete is queued) or never got it (it was dropped unpersisted): the snapshot covers
          // those seqnos with nothing, so a stream ending inside them still ends.
          long flushed = vbucket.flushSeqno();
          scan = storage.openScan(vbucket.id(), Math.max(fromSeqno, flushed + 1), toSeqno);
          snapshotEnd = Math.max(scan.snapshotEnd(), flushed);
        }
        more = scan.read(CHUNK_ITEMS, CHUNK_BYTES, chunk);
      } else {
        if (memory == null) {
          VBucket.MemorySnapshot snapshot = vbucket.snapshotSince(fromSeqno - 1, name, onAppend);
          memory = snapshot.items();
          snapshotEnd = snapshot.endSeqno();
          cursor = snapshot.cursor();
        }
        long bytes = 0;
        while (memoryNext < memory.size() && chunk.size() < CHUNK_ITEMS && bytes < CHUNK_BYTES) {
          Item item = memory.get(memoryNext++);
          if (item.bySeqno() > toSeqno) {
            memoryNext = memory.size();
            break;
          }
          chunk.add(item);
          bytes += item.valueLength();
        }
        more = memoryNext < memory.size();
      }
      if (!more) {
        finish();
      }
      sink.chunk(chunk, Math.min(snapshotEnd, toSeqno), cursor, !more);
    } catch (StorageClosedException e) {
      finish();
      sink.failed(e);
    } catch (RuntimeException e) {
      LOG.warn("backfill {} of vBucket {} failed: {}", name, vbucket.id(), e.toString());
      finish();
      sink.failed(e);
    }
  }

  private synchronized void finish() {
    finished = true;
    memory = null;
    if (scan != null) {
      scan.close();
      scan = null;
    }
  }
}
