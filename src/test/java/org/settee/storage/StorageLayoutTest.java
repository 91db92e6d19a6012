package org.settee.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.settee.kv.FailoverLog;
import org.settee.kv.Item;
import org.settee.kv.ItemKey;
import org.settee.kv.VBucketState;

/**
 * The records on disk: every field of an item survives a round trip, the deleted byte's kinds, and
 * the vBucket record's versions.
 */
class StorageLayoutTest {
  private static final ItemKey KEY = ItemKey.of("doc");
  private static final byte[] STORED_KEY = StorageLayout.itemKey(3, KEY.bytes());

  private static Item roundTrip(Item item) {
    return StorageLayout.decodeItem(STORED_KEY, StorageLayout.encodeItem(item));
  }

  @Test
  void aLiveItemKeepsEveryField() {
    byte[] value = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    Item item = new Item(KEY, value, 0xdeadbeef, 123456789L, 1_800_000_000L, 1, 42, 7, false, 0);
    Item read = roundTrip(item);
    assertThat(read).isEqualTo(item);
    assertThat(read.deleted()).isFalse();
    assertThat(read.deletedByExpiry()).isFalse();
  }

  @Test
  void tombstonesKeepWhetherADeleteOrAnExpiryMadeThem() {
    Item deleted = new Item(KEY, new byte[0], 5, 99, 1_700_000_000L, 0, 43, 8, true, 0);
    Item expired = Item.expiration(KEY, 5, 99, 1_700_000_000L, 43, 8);
    byte[] deletedRecord = StorageLayout.encodeItem(deleted);
    byte[] expiredRecord = StorageLayout.encodeItem(expired);
    assertThat(deletedRecord[18]).isEqualTo(StorageLayout.DELETED);
    assertThat(expiredRecord[18]).isEqualTo(StorageLayout.EXPIRED);

    assertThat(roundTrip(deleted)).isEqualTo(deleted);
    assertThat(roundTrip(deleted).deletedByExpiry()).isFalse();
    Item read = roundTrip(expired);
    assertThat(read).isEqualTo(expired);
    assertThat(read.deleted()).isTrue();
    assertThat(read.deletedByExpiry()).isTrue();
    assertThat(read.expiry()).as("the deletion time").isEqualTo(1_700_000_000L);
  }

  @Test
  void theRecordFormatIsUnchangedForEverythingButExpiredTombstones() {
    // Version 1 records of a live item and a deleted one, as written before expirations were
    // told apart: same bytes, so files of either age read alike.
    Item live = new Item(KEY, new byte[] {'x'}, 0, 1, 0, 0, 1, 1, false, 0);
    Item deleted = new Item(KEY, new byte[0], 0, 2, 1_700_000_000L, 0, 2, 2, true, 0);
    byte[] liveRecord = StorageLayout.encodeItem(live);
    byte[] deletedRecord = StorageLayout.encodeItem(deleted);
    assertThat(liveRecord[0]).as("record version").isEqualTo((byte) 1);
    assertThat(liveRecord[18]).isZero();
    assertThat(deletedRecord[18]).isEqualTo((byte) 1);
    assertThat(liveRecord).hasSize(StorageLayout.ITEM_HEADER + 1);
    assertThat(deletedRecord).hasSize(StorageLayout.ITEM_HEADER);
  }

  @Test
  void aVBucketRecordKeepsItsPurgeSeqnoAndVersion1RecordsStillRead() {
    List<FailoverLog.Entry> log =
        List.of(new FailoverLog.Entry(0xabcdef, 40), new FailoverLog.Entry(0x123456, 0));
    StorageLayout.VBucketRecord record =
        new StorageLayout.VBucketRecord(VBucketState.REPLICA, 77, 55, log);
    byte[] encoded = StorageLayout.encodeVBucket(record);
    assertThat(encoded[0]).as("record version").isEqualTo((byte) 2);
    assertThat(StorageLayout.decodeVBucket(encoded)).isEqualTo(record);

    // As written before the purge seqno was kept: version, state, high seqno, failover log.
    ByteBuffer v1 = ByteBuffer.allocate(12 + 16 * log.size());
    v1.put((byte) 1).put((byte) VBucketState.REPLICA.code()).putLong(77).putShort((short) 2);
    log.forEach(e -> v1.putLong(e.uuid()).putLong(e.seqno()));
    assertThat(StorageLayout.decodeVBucket(v1.array()))
        .isEqualTo(new StorageLayout.VBucketRecord(VBucketState.REPLICA, 77, 0, log));
  }

  @Test
  void theHighSeqnosRecordRoundTripsAndABrokenOneIsAClearError() {
    long[] seqnos = {0, 7, Long.MAX_VALUE, 1};
    assertThat(StorageLayout.decodeHighSeqnos(StorageLayout.encodeHighSeqnos(seqnos)))
        .containsExactly(seqnos);
    assertThat(StorageLayout.decodeHighSeqnos(null)).isEmpty();
    byte[] truncated = Arrays.copyOf(StorageLayout.encodeHighSeqnos(seqnos), 20);
    assertThatThrownBy(() -> StorageLayout.decodeHighSeqnos(truncated))
        .isInstanceOf(CorruptStorageException.class)
        .hasMessageContaining("4 vBuckets");
  }
}
