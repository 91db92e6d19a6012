package org.settee.storage;

import java.util.List;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.settee.kv.Item;

/**
 * A DCP backfill's read of one vBucket from disk: the items with seqnos in a range, in seqno order,
 * from one consistent snapshot of the store, so the result is the disk's state at one instant
 * ({@link #snapshotEnd()}). A seqno whose key has moved on to a newer seqno is skipped: the newer
 * version comes later in the same scan.
 *
 * <p>Read in chunks by one thread at a time (the backfill executor), never an event loop. The store
 * owns every open scan: closing the store first closes its scans, so no scan can read a closed
 * RocksDB, whoever closes first (the seed 001 bug was a stream using a torn-down backfill).
 */
public final class SeqnoScan implements AutoCloseable {
  private final BucketStore store;
  private final int vb;
  private final long snapshotEnd;
  private final Snapshot snapshot;
  private final ReadOptions options;
  private final Slice upper;
  private final RocksIterator iterator;
  private boolean closed;
  private long lastSeqno;

  SeqnoScan(BucketStore store, int vb, long fromSeqno, long toSeqno) throws RocksDBException {
    this.store = store;
    this.vb = vb;
    this.snapshot = store.db().getSnapshot();
    this.options = new ReadOptions().setSnapshot(snapshot);
    long diskHigh;
    try {
      StorageLayout.VBucketRecord state = store.vbucketRecord(vb, options);
      diskHigh = store.persistedHighSeqno(vb, state, options);
    } catch (RocksDBException | RuntimeException e) {
      // Not yet known to the store, so nobody else would ever release these.
      options.close();
      store.db().releaseSnapshot(snapshot);
      snapshot.close();
      throw e;
    }
    this.snapshotEnd = Math.min(diskHigh, toSeqno);
    this.upper = new Slice(StorageLayout.seqnoKey(vb, snapshotEnd + 1));
    options.setIterateUpperBound(upper);
    this.iterator = store.db().newIterator(store.seqnos(), options);
    iterator.seek(StorageLayout.seqnoKey(vb, fromSeqno));
    this.lastSeqno = fromSeqno - 1;
  }

  /** The seqno the snapshot is consistent at: nothing above it is read. */
  public long snapshotEnd() {
    return snapshotEnd;
  }

  /** The highest seqno scanned so far (items skipped as stale count too). */
  public long position() {
    return lastSeqno;
  }

  /**
   * Reads the next items into {@code out}, up to {@code maxItems} or {@code maxBytes} of values.
   *
   * @return false once the scan is complete (nothing more after what was added)
   * @throws StorageClosedException when the store was closed meanwhile
   */
  public boolean read(int maxItems, long maxBytes, List<Item> out) {
    return store.whileOpen(() -> readOpen(maxItems, maxBytes, out));
  }

  private synchronized boolean readOpen(int maxItems, long maxBytes, List<Item> out)
      throws RocksDBException {
    if (closed) {
      throw new StorageClosedException("backfill of vBucket " + vb + " was closed");
    }
    long bytes = 0;
    int n = 0;
    while (iterator.isValid() && n < maxItems && bytes < maxBytes) {
      byte[] seqKey = iterator.key();
      long seqno = StorageLayout.seqnoOf(seqKey);
      byte[] key = iterator.value();
      byte[] storedKey = StorageLayout.itemKey(vb, key);
      byte[] record = store.db().get(store.keys(), options, storedKey);
      if (record != null) {
        Item item = StorageLayout.decodeItem(storedKey, record);
        if (item.bySeqno() == seqno) {
          out.add(item);
          n++;
          bytes += item.valueLength() + key.length;
        }
      }
      lastSeqno = seqno;
      iterator.next();
    }
    if (!iterator.isValid()) {
      iterator.status();
      lastSeqno = snapshotEnd;
      return false;
    }
    return true;
  }

  /** Releases the snapshot; idempotent, and done by the store itself when it closes first. */
  @Override
  public void close() {
    store.closeScan(this);
  }

  /**
   * Called by the store, under its lock (read or write); synchronized with {@link #readOpen}, so a
   * chunk being read is never released under its reader.
   */
  synchronized void release() {
    if (closed) {
      return;
    }
    closed = true;
    iterator.close();
    options.close();
    upper.close();
    store.db().releaseSnapshot(snapshot);
    snapshot.close();
  }

  @Override
  public String toString() {
    return "SeqnoScan[vb=" + vb + ", end=" + snapshotEnd + ", at=" + lastSeqno + "]";
  }
}
