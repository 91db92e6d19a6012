package org.settee.storage;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.settee.kv.FailoverLog;
import org.settee.kv.Item;
import org.settee.kv.VBucketState;

/**
 * One bucket's RocksDB instance (layout: {@link StorageLayout}). Not thread-safe by design: its
 * owner, the bucket's storage thread, is the only caller after open.
 */
final class BucketStore implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final ColumnFamilyOptions seqnosOptions;
  private final ColumnFamilyOptions keysOptions;
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final RocksDB db;
  private final WriteOptions syncWrites = new WriteOptions().setSync(true);
  private final boolean fresh;
  private volatile String injectedWriteFailure;
  private volatile String injectedFlusherFailure;
  private volatile String injectedReadFailure;

  /**
   * Background fetches read from other threads than the owner: they hold the read lock, and close
   * takes the write lock, so no read ever touches a closed RocksDB (a native crash).
   */
  private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();

  private boolean closed;
  private ColumnFamilyHandle keys;
  private ColumnFamilyHandle seqnos;
  private ColumnFamilyHandle vbstate;
  private ColumnFamilyHandle meta;

  /**
   * The key index's memtable. Every mutation inserts into it, and an insert into a smaller skip
   * list touches fewer cache lines; but every memtable written out is compacted into the level
   * below, and the smaller it is, the more often that level is rewritten. At 40k sets/s over 100k
   * keys the storage threads spent 3.3 us per set with 16 MiB, 3.5-4.4 with 8 MiB and 3.6-4.0 with
   * RocksDB's 64 MiB; over 1M keys 5.6-7.1 with 16 MiB, 6.5-7.3 with 8 MiB (docs/benchmarks.md).
   */
  private static final long KEYS_WRITE_BUFFER = 16L << 20;

  /**
   * Past this much write-ahead log RocksDB writes out the memtables that hold on to the oldest log
   * file. Without it the vBucket-state and meta column families, written rarely, keep every log
   * file alive: after 1M items the log was 182 MB, and a start after kill -9 replayed it for 2.4 s
   * before warmup began (about 13 ms per MB), growing with the data.
   */
  private static final long MAX_WRITE_AHEAD_LOG = 64L << 20;

  private BucketStore(Path dir, boolean fresh) throws RocksDBException {
    this.dir = dir;
    this.fresh = fresh;
    this.seqnosOptions = seqnosOptions(); // first: the one that can refuse, before others exist
    this.dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
    this.cfOptions = new ColumnFamilyOptions().setCompressionType(CompressionType.LZ4_COMPRESSION);
    this.keysOptions =
        new ColumnFamilyOptions()
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setWriteBufferSize(KEYS_WRITE_BUFFER);
    dbOptions.setMaxTotalWalSize(MAX_WRITE_AHEAD_LOG);
    for (ColumnFamilyOptions options : List.of(cfOptions, keysOptions, seqnosOptions)) {
      options.setDisableAutoCompactions(true); // until warmup is done: allowCompactions
    }
    List<ColumnFamilyDescriptor> cfs =
        List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
            new ColumnFamilyDescriptor(bytes("keys"), keysOptions),
            new ColumnFamilyDescriptor(bytes("seqnos"), seqnosOptions),
            new ColumnFamilyDescriptor(bytes("vbstate"), cfOptions));
    try {
      this.db = RocksDB.open(dbOptions, dir.toString(), cfs, handles);
    } catch (RocksDBException | RuntimeException e) {
      // Nobody will close this store: its native options must not outlive the failed open (a node
      // asked again and again to open a damaged directory would leak them each time).
      closeOptions();
      throw e;
    }
    meta = handles.get(0);
    keys = handles.get(1);
    seqnos = handles.get(2);
    vbstate = handles.get(3);
  }

  /**
   * The seqno index gets each vBucket's seqnos in increasing order: an insert hint per vBucket (the
   * 2-byte prefix of its keys) makes each insert start where that vBucket's last one ended instead
   * of at the top of the skip list. rocksdbjni has no setter for it, only RocksDB's options string.
   */
  private static ColumnFamilyOptions seqnosOptions() {
    java.util.Properties props = new java.util.Properties();
    props.setProperty("memtable_insert_with_hint_prefix_extractor", "rocksdb.FixedPrefix.2");
    ColumnFamilyOptions options = ColumnFamilyOptions.getColumnFamilyOptionsFromProps(props);
    if (options == null) {
      throw new IllegalStateException("RocksDB refused the seqno index's options " + props);
    }
    return options.setCompressionType(CompressionType.LZ4_COMPRESSION);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /**
   * Opens (or creates) the store in {@code dir}, compactions held until {@link #allowCompactions}.
   *
   * @throws CorruptStorageException when the directory holds something RocksDB cannot open
   */
  static BucketStore open(Path dir) {
    boolean fresh = !Files.exists(dir.resolve("CURRENT"));
    try {
      Files.createDirectories(dir);
      return new BucketStore(dir, fresh);
    } catch (RocksDBException | java.io.IOException e) {
      throw new CorruptStorageException(
          "cannot open bucket storage " + dir + ": " + e.getMessage(), e);
    }
  }

  Path dir() {
    return dir;
  }

  /** True when the store was created now rather than found on disk. */
  boolean isFresh() {
    return fresh;
  }

  /** Whether the last close was clean; clears the mark, so a crash from now on is noticed. */
  boolean takeCleanShutdownMark() throws RocksDBException {
    boolean clean = fresh || db.get(meta, StorageLayout.CLEAN_SHUTDOWN) != null;
    db.delete(meta, syncWrites, StorageLayout.CLEAN_SHUTDOWN);
    return clean;
  }

  void markCleanShutdown() throws RocksDBException {
    db.put(meta, syncWrites, StorageLayout.CLEAN_SHUTDOWN, new byte[] {1});
  }

  /**
   * Lets RocksDB compact from now on. A store opens with compactions held: a compaction the last
   * run left due would otherwise take one of the cores warmup loads with (2 here), and warmup is
   * all the time the bucket does not serve.
   */
  void allowCompactions() throws RocksDBException {
    db.enableAutoCompaction(handles);
  }

  /** Table files of the key index at level 0 (not yet compacted): for tests and diagnostics. */
  long keyIndexLevel0Files() throws RocksDBException {
    return Long.parseLong(db.getProperty(keys, "rocksdb.num-files-at-level0"));
  }

  /** Writes every column family's memtable out to a table file and waits until they are. */
  void flushMemtables() throws RocksDBException {
    // Nothing writes after this (close), so the flush need not wait for compactions to catch up.
    try (FlushOptions options = new FlushOptions().setWaitForFlush(true).setAllowWriteStall(true)) {
      db.flush(options, handles);
    }
  }

  /** Reads every persisted vBucket state. */
  void forEachVBucket(BiConsumer<Integer, StorageLayout.VBucketRecord> visitor) {
    try (RocksIterator it = db.newIterator(vbstate)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        visitor.accept(StorageLayout.vbOf(it.key()), StorageLayout.decodeVBucket(it.value()));
      }
      it.status(); // a read error must not pass for the end of the states
    } catch (RocksDBException e) {
      throw new CorruptStorageException(
          "cannot read the vBucket states of " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Reads the persisted items of vBuckets [fromVb, toVb), in (vBucket, key) order. */
  long forEachItem(int fromVb, int toVb, BiConsumer<Integer, Item> visitor) {
    long n = 0;
    try (Slice lower = new Slice(StorageLayout.vbKey(fromVb));
        Slice upper = new Slice(StorageLayout.vbKey(toVb));
        ReadOptions range =
            new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
        RocksIterator it = db.newIterator(keys, range)) {
      // Key and record are read into reused native buffers: it.key() and it.value() made two
      // byte arrays per item, zeroed, copied once more and dropped (about 7% of warmup's samples).
      ByteBuffer key = ByteBuffer.allocateDirect(WARMUP_KEY_BUFFER);
      ByteBuffer record = ByteBuffer.allocateDirect(WARMUP_RECORD_BUFFER);
      for (it.seekToFirst(); it.isValid(); it.next()) {
        key = readInto(key, it::key);
        record = readInto(record, it::value);
        visitor.accept(StorageLayout.vbOf(key), StorageLayout.decodeItem(key, record));
        n++;
      }
      // An iterator that stops on a read error looks like one at the end: without this check a
      // damaged file would end warmup early and the bucket would serve without those items.
      it.status();
    } catch (RocksDBException e) {
      throw new CorruptStorageException(
          "cannot read the items of " + dir + ": " + e.getMessage(), e);
    }
    return n;
  }

  private static final int WARMUP_KEY_BUFFER = 512; // a stored key: 2 bytes of vBucket + <= 250
  private static final int WARMUP_RECORD_BUFFER = 64 << 10;

  /**
   * Reads with {@code read} (RocksIterator's key or value into a buffer) into {@code buffer}, or
   * into a larger buffer, returned, when it did not fit.
   */
  private static ByteBuffer readInto(
      ByteBuffer buffer, java.util.function.ToIntFunction<ByteBuffer> read) {
    buffer.clear();
    int size = read.applyAsInt(buffer);
    if (size > buffer.capacity()) {
      buffer = ByteBuffer.allocateDirect(size);
      read.applyAsInt(buffer);
    }
    return buffer;
  }

  /**
   * A reused batch keeps its native buffer up to this size: a new buffer each round grows (and
   * page-faults) its way up again, which showed in the flusher's profile.
   */
  private static final long REUSED_BATCH_LIMIT = 8 << 20;

  /** The flusher's batch, cleared and reused round after round; storage thread only. */
  private WriteBatch flusherBatch;

  /** The scratch buffer of the flusher's batch ({@link Batch#put}); storage thread only. */
  private ByteBuffer flusherScratch;

  private static final int MIN_SCRATCH = 64 << 10;

  /** A scratch buffer grown past this (a large document) is dropped after its round. */
  private static final int MAX_KEPT_SCRATCH = 1 << 20;

  /** A batch of writes that becomes durable all at once ({@link #commit}). */
  final class Batch implements AutoCloseable {
    private final WriteBatch batch;
    private final boolean reused;
    private ByteBuffer scratch;
    private int items;

    Batch() {
      this(new WriteBatch(), false);
    }

    private Batch(WriteBatch batch, boolean reused) {
      this.batch = batch;
      this.reused = reused;
    }

    /** The scratch buffer, cleared, with room for {@code bytes}. */
    private ByteBuffer scratch(int bytes) {
      ByteBuffer buffer = reused ? flusherScratch : scratch;
      if (buffer == null || buffer.capacity() < bytes) {
        buffer = ByteBuffer.allocateDirect(Math.max(bytes, MIN_SCRATCH));
        if (reused) {
          flusherScratch = buffer; // kept for the next rounds, like the batch
        } else {
          scratch = buffer;
        }
      }
      return buffer.clear();
    }

    /**
     * Adds the item to both indexes. Its keys and record are laid out in one direct buffer, which
     * RocksDB copies from as is: byte arrays would cost five allocations and four JNI copies per
     * mutation, on the storage thread of a write-heavy bucket.
     */
    void put(int vb, Item item) throws RocksDBException {
      int keyLength = item.keyLength();
      ByteBuffer out =
          scratch(2 * (2 + keyLength) + StorageLayout.ITEM_HEADER + 8 + item.valueLength());
      out.putShort((short) vb);
      item.putKey(out);
      int record = out.position();
      StorageLayout.putItem(item, out);
      int seqnoKey = out.position();
      out.putShort((short) vb).putLong(item.bySeqno());
      int key = out.position();
      item.putKey(out);
      batch.put(keys, out.slice(0, record), out.slice(record, seqnoKey - record));
      batch.put(seqnos, out.slice(seqnoKey, key - seqnoKey), out.slice(key, keyLength));
      items++;
    }

    /** Deletes everything stored for the vBucket (a bucket flush), before what follows. */
    void deleteVBucketItems(int vb) throws RocksDBException {
      byte[] from = StorageLayout.vbKey(vb);
      byte[] to = StorageLayout.vbKey(vb + 1);
      batch.deleteRange(keys, from, to);
      batch.deleteRange(seqnos, from, to);
    }

    void vbucket(
        int vb, VBucketState state, long highSeqno, long purgeSeqno, List<FailoverLog.Entry> log)
        throws RocksDBException {
      StorageLayout.VBucketRecord r =
          new StorageLayout.VBucketRecord(state, highSeqno, purgeSeqno, log);
      batch.put(vbstate, StorageLayout.vbKey(vb), StorageLayout.encodeVBucket(r));
    }

    /** Every vBucket's persisted high seqno ({@link StorageLayout#HIGH_SEQNOS}). */
    void highSeqnos(long[] highSeqnos) throws RocksDBException {
      batch.put(meta, StorageLayout.HIGH_SEQNOS, StorageLayout.encodeHighSeqnos(highSeqnos));
    }

    int items() {
      return items;
    }

    /** Writes and fsyncs the batch. */
    void commit() throws RocksDBException {
      String flusherFault = injectedFlusherFailure;
      String fault = reused && flusherFault != null ? flusherFault : injectedWriteFailure;
      if (fault != null) {
        throw new RocksDBException(fault);
      }
      db.write(syncWrites, batch);
    }

    @Override
    public void close() {
      if (!reused) {
        batch.close();
      } else if (batch.getDataSize() > REUSED_BATCH_LIMIT) {
        batch.close(); // a huge round (a warmup-sized backlog): not worth keeping
        flusherBatch = null;
      } else {
        batch.clear();
      }
      if (reused && flusherScratch != null && flusherScratch.capacity() > MAX_KEPT_SCRATCH) {
        flusherScratch = null; // one huge document must not pin its size in direct memory
      }
    }
  }

  // ---- DCP backfill scans: opened and read on backfill threads, owned by the store ----

  /** One read that must not meet a closed store. */
  @FunctionalInterface
  interface StoreRead<T> {
    T read() throws RocksDBException;
  }

  private final java.util.Set<SeqnoScan> scans = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Runs a read under the store's read lock.
   *
   * @throws StorageClosedException when the store is closed (the bucket is going away)
   */
  <T> T whileOpen(StoreRead<T> read) {
    closing.readLock().lock();
    try {
      if (closed) {
        throw new StorageClosedException("bucket storage " + dir + " is closed");
      }
      return read.read();
    } catch (RocksDBException e) {
      throw new IllegalStateException("cannot read from " + dir + ": " + e.getMessage(), e);
    } finally {
      closing.readLock().unlock();
    }
  }

  /**
   * Opens a scan of a vBucket's seqno index over [fromSeqno, toSeqno] (capped at what is on disk).
   */
  SeqnoScan openScan(int vb, long fromSeqno, long toSeqno) {
    return whileOpen(
        () -> {
          SeqnoScan scan = new SeqnoScan(this, vb, fromSeqno, toSeqno);
          scans.add(scan);
          return scan;
        });
  }

  int openScans() {
    return scans.size();
  }

  void closeScan(SeqnoScan scan) {
    // The read lock is enough: the store cannot close meanwhile (its close releases the scans
    // under the write lock), and the scan's own monitor keeps a chunk of it from being read while
    // it is released. Other scans read on: with the write lock, each close waited for the chunk
    // another backfill was reading, and every new read queued behind that close (bench-dcp).
    closing.readLock().lock();
    try {
      if (scans.remove(scan)) {
        scan.release();
      }
    } finally {
      closing.readLock().unlock();
    }
  }

  RocksDB db() {
    return db;
  }

  ColumnFamilyHandle keys() {
    return keys;
  }

  ColumnFamilyHandle seqnos() {
    return seqnos;
  }

  StorageLayout.VBucketRecord vbucketRecord(int vb, ReadOptions options) throws RocksDBException {
    byte[] record = db.get(vbstate, options, StorageLayout.vbKey(vb));
    return record == null ? null : StorageLayout.decodeVBucket(record);
  }

  /** Every vBucket's high seqno from the last flusher batch (shorter than the bucket: zeros). */
  long[] highSeqnos(ReadOptions options) throws RocksDBException {
    return StorageLayout.decodeHighSeqnos(
        options == null
            ? db.get(meta, StorageLayout.HIGH_SEQNOS)
            : db.get(meta, options, StorageLayout.HIGH_SEQNOS));
  }

  /**
   * The vBucket's persisted high seqno: its record's, or the last batch's if higher (a record is
   * rewritten only when more than its high seqno changed; {@link StorageLayout}).
   */
  long persistedHighSeqno(int vb, StorageLayout.VBucketRecord record, ReadOptions options)
      throws RocksDBException {
    long[] batched = highSeqnos(options);
    long high = record == null ? 0 : record.highSeqno();
    return vb < batched.length ? Math.max(high, batched[vb]) : high;
  }

  /** Makes every item read ({@link #get}) fail with this message (null: stop failing). */
  void injectReadFailure(String message) {
    injectedReadFailure = message;
  }

  /** Makes every batch fail with this message (null: stop failing); a disk-full drill. */
  void injectWriteFailure(String message) {
    injectedWriteFailure = message;
  }

  /**
   * Makes the flusher's rounds fail with this message, other writes (vBucket states, marks) not: a
   * disk with room for small writes only.
   */
  void injectFlusherFailure(String message) {
    injectedFlusherFailure = message;
  }

  Batch batch() {
    return new Batch();
  }

  /** The flusher's round: a batch whose buffer is reused; one at a time, on the storage thread. */
  Batch flusherBatch() {
    if (flusherBatch == null) {
      flusherBatch = new WriteBatch();
    }
    return new Batch(flusherBatch, true);
  }

  /**
   * Removes purged tombstones from both indexes, unless a key has a newer version on disk by now
   * (it was written again after the purge decision), and raises the vBucket's stored purge seqno to
   * the newest of them, in one durable batch: a restart must not forget that a DCP client behind it
   * may have missed deletions.
   */
  void purge(int vb, List<Item> tombstones) throws RocksDBException {
    try (Batch purge = new Batch()) {
      long purgeSeqno = 0;
      for (Item tombstone : tombstones) {
        purgeSeqno = Math.max(purgeSeqno, tombstone.bySeqno());
        byte[] storedKey = StorageLayout.itemKey(vb, tombstone.keyBytes());
        byte[] record = db.get(keys, storedKey);
        if (record != null) {
          Item onDisk = StorageLayout.decodeItem(storedKey, record);
          if (onDisk.bySeqno() != tombstone.bySeqno()) {
            continue;
          }
          purge.batch.delete(keys, storedKey);
        }
        purge.batch.delete(seqnos, StorageLayout.seqnoKey(vb, tombstone.bySeqno()));
      }
      byte[] state = db.get(vbstate, StorageLayout.vbKey(vb));
      if (state != null) {
        StorageLayout.VBucketRecord raised =
            StorageLayout.decodeVBucket(state).withPurgeSeqno(purgeSeqno);
        purge.batch.put(vbstate, StorageLayout.vbKey(vb), StorageLayout.encodeVBucket(raised));
      }
      purge.commit();
    }
  }

  /**
   * Deletes stale seqno-index entries (their key has moved on to a newer seqno, or is gone),
   * looking at up to {@code maxEntries} entries from {@code from} on, across vBuckets.
   *
   * @param from a seqno-index key ({@link StorageLayout#seqnoKey}) to start at
   */
  SeqnoSweep removeStaleSeqnos(byte[] from, int maxEntries) throws RocksDBException {
    byte[] header = new byte[StorageLayout.ITEM_HEADER];
    try (Batch stale = new Batch();
        RocksIterator it = db.newIterator(seqnos)) {
      int seen = 0;
      int removed = 0;
      for (it.seek(from); it.isValid() && seen < maxEntries; it.next(), seen++) {
        byte[] seqnoKey = it.key();
        byte[] storedKey = StorageLayout.itemKey(StorageLayout.vbOf(seqnoKey), it.value());
        // Only the record's header is copied: its by-seqno is all this needs.
        int found = db.get(keys, storedKey, header);
        if (found == RocksDB.NOT_FOUND
            || StorageLayout.bySeqnoOf(header) != StorageLayout.seqnoOf(seqnoKey)) {
          stale.batch.delete(seqnos, seqnoKey);
          removed++;
        }
      }
      it.status();
      byte[] next = it.isValid() ? it.key() : null;
      stale.commit();
      return new SeqnoSweep(next, removed);
    }
  }

  /**
   * One step of {@link #removeStaleSeqnos}: where the next goes on (null: done), what it removed.
   */
  record SeqnoSweep(byte[] next, int removed) {}

  /** Entries in the seqno index, stale ones included: a full scan, for tests and diagnostics. */
  long seqnoIndexEntries() {
    return whileOpen(
        () -> {
          long n = 0;
          try (RocksIterator it = db.newIterator(seqnos)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
              n++;
            }
            it.status();
          }
          return n;
        });
  }

  /**
   * Reads one key (background fetch); callable from any thread.
   *
   * @return the stored item, or null when there is none or the store is closed
   */
  Item get(int vb, byte[] key) {
    closing.readLock().lock();
    try {
      if (closed) {
        return null;
      }
      String fault = injectedReadFailure;
      if (fault != null) {
        throw new RocksDBException(fault);
      }
      byte[] storedKey = StorageLayout.itemKey(vb, key);
      byte[] record = db.get(keys, storedKey);
      return record == null ? null : StorageLayout.decodeItem(storedKey, record);
    } catch (RocksDBException e) {
      throw new IllegalStateException("cannot read from " + dir + ": " + e.getMessage(), e);
    } finally {
      closing.readLock().unlock();
    }
  }

  @Override
  public void close() {
    closing.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      // Scans still open (streams of a bucket going away) are released before the database.
      for (SeqnoScan scan : scans) {
        scan.release();
      }
      scans.clear();
    } finally {
      closing.writeLock().unlock();
    }
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    if (flusherBatch != null) {
      flusherBatch.close(); // the storage thread has stopped: nobody uses it any more
    }
    closeOptions();
  }

  private void closeOptions() {
    syncWrites.close();
    dbOptions.close();
    cfOptions.close();
    keysOptions.close();
    seqnosOptions.close();
  }
}
