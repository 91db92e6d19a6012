package org.settee.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.settee.kv.FailoverLog;
import org.settee.kv.Item;
import org.settee.kv.VBucketState;

/**
 * How a bucket's data sits in RocksDB. One instance per bucket, four column families:
 *
 * <pre>
 *   keys     [vb u16][key bytes]          -> item record (below)
 *   seqnos   [vb u16][seqno u64]          -> key bytes        (DCP backfill reads in seqno order;
 *                                                               an entry whose key has moved on to
 *                                                               a newer seqno is stale, skipped,
 *                                                               and removed by compaction)
 *   vbstate  [vb u16]                     -> vBucket record (below)
 *   default  "clean_shutdown"             -> 1 byte, written by a clean close, deleted at open
 *   default  "high_seqnos"                -> version u8 (1), count u16, then count x u64: each
 *                                            vBucket's persisted high seqno, rewritten whole by
 *                                            every flusher batch (see below)
 *
 *   item record                                vBucket record
 *   +0  version u8 (1)                         +0  version u8 (2)
 *   +1  flags u32                              +1  state u8 (1 active, 2 replica, 3 pending, 4 dead)
 *   +5  CAS u64                                +2  high seqno u64 (persisted)
 *   +13 expiry u32 (absolute Unix seconds)     +10 purge seqno u64 (highest purged tombstone)
 *   +17 datatype u8                            +18 failover entries u16
 *   +18 deleted u8 (0 live, 1 deleted,         +20 entries, newest first: uuid u64, seqno u64
 *                   2 expired)
 *   +19 by-seqno u64
 *   +27 rev-seqno u64
 *   +35 value
 * </pre>
 *
 * All integers big-endian, so keys sort by vBucket, then by key or seqno.
 *
 * <p>A vBucket record's high seqno is a lower bound: the flusher rewrites a vBucket's record only
 * when its state, purge seqno or failover log changed, and puts every vBucket's high seqno in the
 * one {@code high_seqnos} record of each batch instead (one write per batch rather than one per
 * vBucket, which cost as much as the items under a load spread over all vBuckets; issue 4). A
 * vBucket's persisted high seqno is the larger of the two. Warmup writes every record exact. (A
 * Settee from before this record ignores it and would take the record's lower bound: not a
 * supported downgrade.)
 *
 * <p>A version 1 vBucket record (written before the purge seqno was kept) has no purge seqno:
 * failover entries u16 at +10, entries at +12. It reads as purge seqno 0, what the node then had in
 * memory after a restart; the next write of the state is version 2.
 *
 * <p>The deleted byte says why a tombstone exists (DCP sends expirations apart). Any non-zero value
 * is a tombstone, as record version 1 has always read it, so files written before "expired" (2)
 * existed read unchanged, their expirations as plain deletions, and no migration is needed.
 */
final class StorageLayout {
  static final byte RECORD_VERSION = 1;
  static final byte VBUCKET_RECORD_V1 = 1;
  static final byte VBUCKET_RECORD_VERSION = 2;
  static final int ITEM_HEADER = 35;
  static final int ITEM_BY_SEQNO = 19;
  static final byte LIVE = 0;
  static final byte DELETED = 1;
  static final byte EXPIRED = 2;
  static final byte[] CLEAN_SHUTDOWN =
      "clean_shutdown".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  static final byte[] HIGH_SEQNOS =
      "high_seqnos".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  static final byte HIGH_SEQNOS_VERSION = 1;

  private StorageLayout() {}

  static byte[] itemKey(int vb, byte[] key) {
    return ByteBuffer.allocate(2 + key.length).putShort((short) vb).put(key).array();
  }

  static byte[] seqnoKey(int vb, long seqno) {
    return ByteBuffer.allocate(10).putShort((short) vb).putLong(seqno).array();
  }

  static long seqnoOf(byte[] seqnoKey) {
    return ByteBuffer.wrap(seqnoKey, 2, 8).getLong();
  }

  /** The by-seqno of an item record, read from its header alone (the value is not needed). */
  static long bySeqnoOf(byte[] itemRecordHeader) {
    return ByteBuffer.wrap(itemRecordHeader, ITEM_BY_SEQNO, 8).getLong();
  }

  static byte[] vbKey(int vb) {
    return ByteBuffer.allocate(2).putShort((short) vb).array();
  }

  static int vbOf(byte[] storedKey) {
    return ((storedKey[0] & 0xff) << 8) | (storedKey[1] & 0xff);
  }

  /** The vBucket of the stored key at {@code storedKey}'s position. */
  static int vbOf(ByteBuffer storedKey) {
    return storedKey.getShort(storedKey.position()) & 0xffff;
  }

  static byte[] encodeItem(Item item) {
    ByteBuffer record = ByteBuffer.allocate(ITEM_HEADER + item.valueLength());
    putItem(item, record);
    return record.array();
  }

  /** Puts the item record ({@link #encodeItem}) into {@code out}. */
  static void putItem(Item item, ByteBuffer out) {
    if (!item.isResident()) {
      // Only clean items lose their value, and clean items are on disk already.
      throw new IllegalStateException("an item without its value cannot be stored");
    }
    out.put(RECORD_VERSION)
        .putInt(item.flags())
        .putLong(item.cas())
        .putInt((int) item.expiry())
        .put((byte) item.datatype())
        .put(item.deletedByExpiry() ? EXPIRED : item.deleted() ? DELETED : LIVE)
        .putLong(item.bySeqno())
        .putLong(item.revSeqno());
    item.putValue(out);
  }

  static Item decodeItem(byte[] storedKey, byte[] record) {
    return decodeItem(ByteBuffer.wrap(storedKey), ByteBuffer.wrap(record));
  }

  /**
   * Decodes the item whose stored key and record lie between each buffer's position and limit
   * (neither buffer is moved).
   */
  static Item decodeItem(ByteBuffer storedKey, ByteBuffer record) {
    int r = record.position();
    int length = record.remaining();
    if (length < ITEM_HEADER || record.get(r) != RECORD_VERSION) {
      throw new CorruptStorageException(
          "item record of " + length + " bytes, version " + (length > 0 ? record.get(r) : -1));
    }
    byte state = record.get(r + 18);
    return Item.fromStorage(
        storedKey,
        storedKey.position() + 2,
        storedKey.remaining() - 2,
        record,
        r + ITEM_HEADER,
        length - ITEM_HEADER,
        record.getInt(r + 1),
        record.getLong(r + 5),
        record.getInt(r + 13) & 0xffffffffL,
        record.get(r + 17) & 0xff,
        record.getLong(r + ITEM_BY_SEQNO),
        record.getLong(r + 27),
        state != LIVE,
        state == EXPIRED);
  }

  /** A vBucket's persisted state. */
  record VBucketRecord(
      VBucketState state, long highSeqno, long purgeSeqno, List<FailoverLog.Entry> failoverLog) {
    VBucketRecord withPurgeSeqno(long seqno) {
      return new VBucketRecord(state, highSeqno, Math.max(purgeSeqno, seqno), failoverLog);
    }
  }

  static byte[] encodeVBucket(VBucketRecord r) {
    List<FailoverLog.Entry> log = r.failoverLog();
    ByteBuffer b = ByteBuffer.allocate(20 + 16 * log.size());
    b.put(VBUCKET_RECORD_VERSION).put((byte) r.state().code());
    b.putLong(r.highSeqno()).putLong(r.purgeSeqno()).putShort((short) log.size());
    for (FailoverLog.Entry e : log) {
      b.putLong(e.uuid()).putLong(e.seqno());
    }
    return b.array();
  }

  static VBucketRecord decodeVBucket(byte[] record) {
    byte version = record.length > 0 ? record[0] : -1;
    int header = version == VBUCKET_RECORD_V1 ? 12 : 20;
    if (record.length < header
        || (version != VBUCKET_RECORD_V1 && version != VBUCKET_RECORD_VERSION)) {
      throw new CorruptStorageException(
          "vBucket record of " + record.length + " bytes, version " + version);
    }
    ByteBuffer b = ByteBuffer.wrap(record);
    b.get();
    int stateCode = b.get();
    VBucketState state = null;
    for (VBucketState s : VBucketState.values()) {
      if (s.code() == stateCode) {
        state = s;
      }
    }
    if (state == null) {
      throw new CorruptStorageException("vBucket state " + stateCode);
    }
    long high = b.getLong();
    long purge = version == VBUCKET_RECORD_V1 ? 0 : b.getLong();
    int n = b.getShort() & 0xffff;
    if (b.remaining() != 16 * n) {
      throw new CorruptStorageException(
          "vBucket record with " + n + " failover entries in " + record.length + " bytes");
    }
    List<FailoverLog.Entry> log = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      log.add(new FailoverLog.Entry(b.getLong(), b.getLong()));
    }
    return new VBucketRecord(state, high, purge, log);
  }

  /** The {@code high_seqnos} record: every vBucket's persisted high seqno, by vBucket id. */
  static byte[] encodeHighSeqnos(long[] highSeqnos) {
    ByteBuffer b = ByteBuffer.allocate(3 + 8 * highSeqnos.length);
    b.put(HIGH_SEQNOS_VERSION).putShort((short) highSeqnos.length);
    for (long seqno : highSeqnos) {
      b.putLong(seqno);
    }
    return b.array();
  }

  /**
   * Reads a {@code high_seqnos} record (null: none yet, all zero).
   *
   * @throws CorruptStorageException when it is not one
   */
  static long[] decodeHighSeqnos(byte[] record) {
    if (record == null) {
      return new long[0];
    }
    ByteBuffer b = ByteBuffer.wrap(record);
    if (record.length < 3 || b.get() != HIGH_SEQNOS_VERSION) {
      throw new CorruptStorageException("unknown high-seqnos record");
    }
    int count = Short.toUnsignedInt(b.getShort());
    if (record.length != 3 + 8 * count) {
      throw new CorruptStorageException(
          "high-seqnos record of " + record.length + " bytes for " + count + " vBuckets");
    }
    long[] seqnos = new long[count];
    for (int i = 0; i < count; i++) {
      seqnos[i] = b.getLong();
    }
    return seqnos;
  }
}
