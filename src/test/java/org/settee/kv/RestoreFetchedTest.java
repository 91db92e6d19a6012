package org.settee.kv;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.settee.protocol.Datatype;
import org.settee.protocol.Status;
import org.settee.util.ManualClock;

/**
 * Full eviction's background fetch, step by step: what a disk read brings back into memory when the
 * key changed, and left memory, while the read was in flight.
 */
class RestoreFetchedTest {
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final VBucket vb = new VBucket(3, VBucketState.ACTIVE, clock, new BucketStats(), true);
  private final ItemKey key = ItemKey.of("doc");

  @BeforeEach
  void fullEviction() {
    vb.fullEviction(true);
    vb.trackDirty(() -> {});
  }

  @AfterEach
  void endCommand() {
    VBucket.clearGuard();
  }

  private Item set(String value) {
    KvResult r =
        vb.store(StoreMode.SET, key, value.getBytes(US_ASCII), 0, 0, Datatype.RAW, 0, false);
    assertThat(r.status()).isEqualTo(Status.SUCCESS);
    return r.item();
  }

  /** The flusher writes everything, then the pager removes every clean item. */
  private void persistAndEvict() {
    vb.persisted(vb.dirty(Integer.MAX_VALUE));
    assertThat(vb.evictClean(Long.MAX_VALUE)).isPositive();
    assertThat(vb.needsFetch(key)).as("only on disk").isTrue();
  }

  /** A command's run after its fetch, as the cookie does it: only the disk says "no such key". */
  private KvResult getAfterFetch(long removalsBefore) {
    vb.guardMisses(removalsBefore);
    try {
      return vb.get(key);
    } finally {
      VBucket.clearGuard();
    }
  }

  @Test
  void aReadNothingOvertookComesBack() {
    Item onDisk = set("version 1");
    persistAndEvict();
    long before = vb.removals();
    assertThat(vb.restoreFetched(key, onDisk, before)).isTrue();
    assertThat(vb.needsFetch(key)).isFalse();
    assertThat(new String(getAfterFetch(before).item().value(), US_ASCII)).isEqualTo("version 1");
  }

  @Test
  void aReadThatANewerVersionOvertookIsRefused() {
    Item v1 = set("version 1");
    persistAndEvict();
    long before = vb.removals(); // the fetch starts, and reads version 1
    set("version 2");
    persistAndEvict();

    assertThat(vb.restoreFetched(key, v1, before)).as("refused").isFalse();
    assertThat(vb.needsFetch(key)).as("version 1 not in memory").isTrue();
    assertThrows(ValueNotResident.class, () -> getAfterFetch(before), "the miss goes to disk");
  }

  @Test
  void aMissThatANewerDocumentOvertookIsRefused() {
    long before = vb.removals(); // the fetch starts, and finds no such key
    Item created = set("created meanwhile");
    persistAndEvict();

    assertThat(vb.restoreFetched(key, null, before)).isFalse();
    assertThrows(ValueNotResident.class, () -> getAfterFetch(before));
    // Read again: the disk now has the document.
    long again = vb.removals();
    assertThat(vb.restoreFetched(key, created, again)).isTrue();
    assertThat(getAfterFetch(again).item().cas()).isEqualTo(created.cas());
  }

  @Test
  void aReadThatADeletionOvertookDoesNotBringTheDocumentBack() {
    Item live = set("deleted meanwhile");
    persistAndEvict();
    long before = vb.removals(); // the fetch starts, and reads the live document
    // Another command's fetch brings it back first, and a DELETE follows; its tombstone is then
    // persisted and purged, in memory and on disk.
    assertThat(vb.restoreFetched(key, live, vb.removals())).isTrue();
    assertThat(vb.delete(key, 0).status()).isEqualTo(Status.SUCCESS);
    vb.persisted(vb.dirty(Integer.MAX_VALUE));
    clock.advanceSeconds(10);
    assertThat(vb.purgeTombstones(clock.currentTimeSeconds())).hasSize(1);

    assertThat(vb.restoreFetched(key, live, before)).isFalse();
    assertThat(vb.getMeta(key).status()).isEqualTo(Status.KEY_ENOENT);
    long again = vb.removals();
    assertThat(vb.restoreFetched(key, null, again)).as("the disk purged it too").isTrue();
    assertThat(getAfterFetch(again).status()).isEqualTo(Status.KEY_ENOENT);
  }

  @Test
  void aReadIsNotRefusedWhenTheKeyIsBackInMemory() {
    Item v1 = set("version 1");
    persistAndEvict();
    long before = vb.removals();
    set("version 2");
    persistAndEvict();
    set("version 3"); // written without a fetch (a SET needs none): memory answers

    assertThat(vb.restoreFetched(key, v1, before)).isTrue();
    assertThat(new String(getAfterFetch(before).item().value(), US_ASCII)).isEqualTo("version 3");
  }
}
