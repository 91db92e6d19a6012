package org.settee.kv;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.settee.protocol.Datatype;
import org.settee.protocol.Status;
import org.settee.util.ManualClock;

/** A vBucket's document semantics, with time driven by a {@link ManualClock}. */
class VBucketTest {
  private static final long START_MILLIS = 1_700_000_000_000L;
  private static final long NO_CREATE = 0xffffffffL;
  private static final int MAX_SIZE = 1024;

  private final ManualClock clock = new ManualClock(START_MILLIS);
  private final BucketStats stats = new BucketStats();
  private final VBucket vb = new VBucket(7, VBucketState.ACTIVE, clock, stats, true);
  private final ItemKey key = ItemKey.of("doc");

  private KvResult set(String value) {
    return vb.store(StoreMode.SET, key, bytes(value), 0, 0, Datatype.RAW, 0, false);
  }

  private KvResult store(StoreMode mode, String value, long cas) {
    return vb.store(mode, key, bytes(value), 0, 0, Datatype.RAW, cas, false);
  }

  private long nowSeconds() {
    return clock.currentTimeSeconds();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(US_ASCII);
  }

  private static String text(KvResult r) {
    return new String(r.item().value(), US_ASCII);
  }

  @Nested
  class StoreModes {
    @Test
    void setCreatesAndOverwrites() {
      assertThat(set("one").status()).isEqualTo(Status.SUCCESS);
      assertThat(set("two").status()).isEqualTo(Status.SUCCESS);
      assertThat(text(vb.get(key))).isEqualTo("two");
      assertThat(vb.liveItems()).isEqualTo(1);
      assertThat(stats.items()).isEqualTo(1);
    }

    @Test
    void addOnlyCreates() {
      assertThat(store(StoreMode.ADD, "one", 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(store(StoreMode.ADD, "two", 0).status()).isEqualTo(Status.KEY_EEXISTS);
      assertThat(text(vb.get(key))).isEqualTo("one");
    }

    @Test
    void replaceOnlyOverwrites() {
      assertThat(store(StoreMode.REPLACE, "one", 0).status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(vb.get(key).status()).isEqualTo(Status.KEY_ENOENT);
      set("one");
      assertThat(store(StoreMode.REPLACE, "two", 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(text(vb.get(key))).isEqualTo("two");
    }

    @Test
    void setWithCasOnMissingDocumentIsNotFound() {
      assertThat(store(StoreMode.SET, "one", 1234).status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(vb.highSeqno()).isZero();
    }

    @Test
    void addAfterDeleteCreatesAgain() {
      set("one");
      vb.delete(key, 0);
      assertThat(store(StoreMode.ADD, "two", 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(text(vb.get(key))).isEqualTo("two");
    }

    @Test
    void keepsFlagsExpiryAndDatatype() {
      long expiry = nowSeconds() + 100;
      KvResult r =
          vb.store(StoreMode.SET, key, bytes("{}"), 0xdeadbeef, expiry, Datatype.JSON, 0, false);
      Item item = vb.get(key).item();
      assertThat(item.flags()).isEqualTo(0xdeadbeef);
      assertThat(item.expiry()).isEqualTo(expiry);
      assertThat(item.datatype()).isEqualTo(Datatype.JSON);
      assertThat(item.cas()).isEqualTo(r.cas());
    }

    @Test
    void preserveTtlKeepsTheOldExpiryOnlyWhenAsked() {
      long expiry = nowSeconds() + 100;
      vb.store(StoreMode.SET, key, bytes("a"), 0, expiry, Datatype.RAW, 0, false);
      vb.store(StoreMode.SET, key, bytes("b"), 0, 0, Datatype.RAW, 0, true);
      assertThat(vb.get(key).item().expiry()).isEqualTo(expiry);
      vb.store(StoreMode.SET, key, bytes("c"), 0, 0, Datatype.RAW, 0, false);
      assertThat(vb.get(key).item().expiry()).isZero();
    }
  }

  @Nested
  class Cas {
    @Test
    void everyMutationGetsANewIncreasingCas() {
      long first = set("one").cas();
      long second = set("two").cas();
      long third = vb.delete(key, 0).cas();
      assertThat(first).isNotZero();
      assertThat(second).isGreaterThan(first);
      assertThat(third).isGreaterThan(second);
    }

    @Test
    void casNeverGoesBackEvenWhenTheWallClockDoes() {
      long a = set("a").cas();
      clock.advanceMillis(-5_000); // a wall clock that went back
      long b = set("b").cas();
      assertThat(b).isGreaterThan(a);
    }

    @Test
    void matchingCasReplacesMismatchRefuses() {
      long cas = set("one").cas();
      assertThat(store(StoreMode.SET, "two", cas + 1).status()).isEqualTo(Status.KEY_EEXISTS);
      assertThat(store(StoreMode.REPLACE, "two", cas - 1).status()).isEqualTo(Status.KEY_EEXISTS);
      assertThat(text(vb.get(key))).isEqualTo("one");
      KvResult ok = store(StoreMode.REPLACE, "two", cas);
      assertThat(ok.status()).isEqualTo(Status.SUCCESS);
      assertThat(ok.cas()).isNotEqualTo(cas);
      assertThat(store(StoreMode.SET, "three", cas).status()).isEqualTo(Status.KEY_EEXISTS);
    }

    @Test
    void deleteChecksCas() {
      long cas = set("one").cas();
      assertThat(vb.delete(key, cas + 1).status()).isEqualTo(Status.KEY_EEXISTS);
      assertThat(vb.delete(key, cas).status()).isEqualTo(Status.SUCCESS);
      assertThat(vb.delete(key, 0).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void failedMutationsChangeNothing() {
      long cas = set("one").cas();
      long seqno = vb.highSeqno();
      store(StoreMode.ADD, "x", 0);
      store(StoreMode.SET, "x", cas + 1);
      vb.delete(key, cas + 1);
      assertThat(vb.highSeqno()).isEqualTo(seqno);
      assertThat(vb.get(key).cas()).isEqualTo(cas);
    }
  }

  @Nested
  class Seqnos {
    @Test
    void eachMutationTakesTheNextSeqno() {
      assertThat(set("a").item().bySeqno()).isEqualTo(1);
      assertThat(
              vb.store(StoreMode.SET, ItemKey.of("other"), bytes("x"), 0, 0, 0, 0, false)
                  .item()
                  .bySeqno())
          .isEqualTo(2);
      assertThat(set("b").item().bySeqno()).isEqualTo(3);
      assertThat(vb.highSeqno()).isEqualTo(3);
    }

    @Test
    void deleteLeavesATombstoneWithItsOwnSeqno() {
      set("a");
      KvResult deleted = vb.delete(key, 0);
      assertThat(deleted.item().deleted()).isTrue();
      assertThat(deleted.item().bySeqno()).isEqualTo(2);
      assertThat(vb.highSeqno()).isEqualTo(2);
      assertThat(vb.get(key).status()).isEqualTo(Status.KEY_ENOENT);
      KvResult meta = vb.getMeta(key);
      assertThat(meta.status()).isEqualTo(Status.SUCCESS);
      assertThat(meta.item().deleted()).isTrue();
      assertThat(meta.item().bySeqno()).isEqualTo(2);
      assertThat(meta.cas()).isEqualTo(deleted.cas());
      assertThat(vb.liveItems()).isZero();
      assertThat(stats.items()).isZero();
    }

    @Test
    void revSeqnoCountsMutationsOfTheKeyAcrossDeletes() {
      assertThat(set("a").item().revSeqno()).isEqualTo(1);
      assertThat(set("b").item().revSeqno()).isEqualTo(2);
      assertThat(vb.delete(key, 0).item().revSeqno()).isEqualTo(3);
      assertThat(set("c").item().revSeqno()).isEqualTo(4);
      assertThat(vb.getMeta(key).item().revSeqno()).isEqualTo(4);
    }

    @Test
    void memcachedBucketForgetsDeletedKeys() {
      VBucket cache = new VBucket(0, VBucketState.ACTIVE, clock, new BucketStats(), false);
      cache.store(StoreMode.SET, key, bytes("a"), 0, 0, 0, 0, false);
      assertThat(cache.delete(key, 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(cache.getMeta(key).status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(cache.highSeqno()).isEqualTo(2);
    }

    @Test
    void flushDropsDocumentsButSeqnosKeepCounting() {
      set("a");
      vb.store(StoreMode.SET, ItemKey.of("other"), bytes("x"), 0, 0, 0, 0, false);
      vb.flush();
      assertThat(vb.get(key).status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(vb.liveItems()).isZero();
      assertThat(stats.items()).isZero();
      assertThat(stats.memoryUsed()).isZero();
      assertThat(set("b").item().bySeqno()).isEqualTo(3);
    }
  }

  @Nested
  class Arithmetic {
    @Test
    void missingCounterIsCreatedWithInitial() {
      KvResult r = vb.arithmetic(key, true, 5, 42, 0, 0);
      assertThat(r.status()).isEqualTo(Status.SUCCESS);
      assertThat(text(r)).isEqualTo("42");
      assertThat(text(vb.arithmetic(key, true, 5, 42, 0, 0))).isEqualTo("47");
    }

    @Test
    void missingCounterWithNoCreateExpiryIsNotFound() {
      assertThat(vb.arithmetic(key, true, 1, 0, NO_CREATE, 0).status())
          .isEqualTo(Status.KEY_ENOENT);
      assertThat(vb.get(key).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void createdCounterTakesTheExpiry() {
      KvResult r = vb.arithmetic(key, true, 1, 0, 60, 0);
      assertThat(r.item().expiry()).isEqualTo(nowSeconds() + 60);
    }

    @Test
    void incrementWrapsAt2To64() {
      set("18446744073709551615");
      assertThat(text(vb.arithmetic(key, true, 1, 0, 0, 0))).isEqualTo("0");
      set("18446744073709551610");
      assertThat(text(vb.arithmetic(key, true, 10, 0, 0, 0))).isEqualTo("4");
    }

    @Test
    void decrementStopsAtZero() {
      set("10");
      assertThat(text(vb.arithmetic(key, false, 3, 0, 0, 0))).isEqualTo("7");
      assertThat(text(vb.arithmetic(key, false, 100, 0, 0, 0))).isEqualTo("0");
      assertThat(text(vb.arithmetic(key, false, 1, 0, 0, 0))).isEqualTo("0");
    }

    @Test
    void decrementComparesUnsigned() {
      set("18446744073709551615"); // -1 as a signed long
      assertThat(text(vb.arithmetic(key, false, 1, 0, 0, 0))).isEqualTo("18446744073709551614");
      set("5");
      // a delta of 2^63 is larger than 5, not negative
      assertThat(text(vb.arithmetic(key, false, Long.MIN_VALUE, 0, 0, 0))).isEqualTo("0");
    }

    @Test
    void nonNumericValuesAreRefused() {
      for (String bad : new String[] {"abc", "", "-1", "1.5", " 1", "18446744073709551616"}) {
        set(bad);
        assertThat(vb.arithmetic(key, true, 1, 0, 0, 0).status())
            .as("incrementing '%s'", bad)
            .isEqualTo(Status.DELTA_BADVAL);
        assertThat(text(vb.get(key))).isEqualTo(bad);
      }
    }

    @Test
    void counterKeepsFlagsAndExpiry() {
      long expiry = nowSeconds() + 500;
      vb.store(StoreMode.SET, key, bytes("1"), 77, expiry, 0, 0, false);
      Item item = vb.arithmetic(key, true, 1, 0, 0, 0).item();
      assertThat(item.flags()).isEqualTo(77);
      assertThat(item.expiry()).isEqualTo(expiry);
      assertThat(item.datatype()).isEqualTo(Datatype.JSON);
    }

    @Test
    void checksCas() {
      long cas = set("1").cas();
      assertThat(vb.arithmetic(key, true, 1, 0, 0, cas + 1).status()).isEqualTo(Status.KEY_EEXISTS);
      assertThat(text(vb.arithmetic(key, true, 1, 0, 0, cas))).isEqualTo("2");
      assertThat(vb.arithmetic(ItemKey.of("missing"), true, 1, 0, 0, 99).status())
          .isEqualTo(Status.KEY_ENOENT);
    }
  }

  @Nested
  class Concat {
    private KvResult concat(String piece, boolean append, long cas) {
      return vb.concat(key, bytes(piece), append, cas, MAX_SIZE, v -> Datatype.RAW);
    }

    @Test
    void appendsAndPrepends() {
      set("middle");
      assertThat(concat("-end", true, 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(concat("start-", false, 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(text(vb.get(key))).isEqualTo("start-middle-end");
    }

    @Test
    void missingDocumentIsNotStored() {
      assertThat(concat("x", true, 0).status()).isEqualTo(Status.NOT_STORED);
      assertThat(concat("x", false, 0).status()).isEqualTo(Status.NOT_STORED);
      assertThat(vb.get(key).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void keepsFlagsAndExpiryAndTakesTheJoinedDatatype() {
      long expiry = nowSeconds() + 500;
      vb.store(StoreMode.SET, key, bytes("[1"), 9, expiry, Datatype.RAW, 0, false);
      Item item = vb.concat(key, bytes("]"), true, 0, MAX_SIZE, v -> Datatype.JSON).item();
      assertThat(item.flags()).isEqualTo(9);
      assertThat(item.expiry()).isEqualTo(expiry);
      assertThat(item.datatype()).isEqualTo(Datatype.JSON);
    }

    @Test
    void growingOverTheItemLimitIsE2big() {
      set("x".repeat(MAX_SIZE - 1));
      assertThat(concat("y", true, 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(concat("z", true, 0).status()).isEqualTo(Status.E2BIG);
      assertThat(vb.get(key).item().value()).hasSize(MAX_SIZE);
    }

    @Test
    void checksCas() {
      long cas = set("a").cas();
      assertThat(concat("b", true, cas + 1).status()).isEqualTo(Status.KEY_EEXISTS);
      assertThat(concat("b", true, cas).status()).isEqualTo(Status.SUCCESS);
      assertThat(text(vb.get(key))).isEqualTo("ab");
    }
  }

  @Nested
  class Locks {
    @Test
    void getLockedHandsOutALockCasThatOthersDoNotSee() {
      long before = set("v").cas();
      KvResult locked = vb.getLocked(key, 10);
      assertThat(locked.status()).isEqualTo(Status.SUCCESS);
      assertThat(locked.cas()).isNotEqualTo(before).isNotEqualTo(Item.LOCKED_CAS);
      assertThat(text(locked)).isEqualTo("v");
      KvResult read = vb.get(key);
      assertThat(read.status()).isEqualTo(Status.SUCCESS);
      assertThat(read.cas()).isEqualTo(Item.LOCKED_CAS);
      assertThat(text(read)).isEqualTo("v");
    }

    @Test
    void lockingDoesNotMutate() {
      set("v");
      long seqno = vb.highSeqno();
      vb.getLocked(key, 10);
      assertThat(vb.highSeqno()).isEqualTo(seqno);
    }

    @Test
    void aLockedDocumentCannotBeLockedAgain() {
      set("v");
      vb.getLocked(key, 10);
      assertThat(vb.getLocked(key, 10).status()).isEqualTo(Status.LOCKED);
    }

    @Test
    void mutationsNeedTheLockCas() {
      long old = set("v").cas();
      long lockCas = vb.getLocked(key, 10).cas();
      assertThat(store(StoreMode.SET, "x", 0).status()).isEqualTo(Status.LOCKED);
      assertThat(store(StoreMode.SET, "x", old).status()).isEqualTo(Status.LOCKED);
      assertThat(store(StoreMode.REPLACE, "x", 0).status()).isEqualTo(Status.LOCKED);
      assertThat(vb.delete(key, 0).status()).isEqualTo(Status.LOCKED);
      assertThat(vb.arithmetic(key, true, 1, 0, 0, 0).status()).isEqualTo(Status.LOCKED);
      assertThat(vb.concat(key, bytes("x"), true, 0, MAX_SIZE, v -> 0).status())
          .isEqualTo(Status.LOCKED);
      assertThat(vb.touch(key, 0).status()).isEqualTo(Status.LOCKED);
      assertThat(store(StoreMode.ADD, "x", 0).status()).isEqualTo(Status.KEY_EEXISTS);

      KvResult ok = store(StoreMode.SET, "x", lockCas);
      assertThat(ok.status()).isEqualTo(Status.SUCCESS);
      assertThat(ok.item().isLockedAt(clock.currentTimeMillis())).isFalse();
      assertThat(vb.get(key).cas()).isEqualTo(ok.cas());
      assertThat(store(StoreMode.SET, "y", 0).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void deleteWithTheLockCasReleasesIt() {
      set("v");
      long lockCas = vb.getLocked(key, 10).cas();
      assertThat(vb.delete(key, lockCas).status()).isEqualTo(Status.SUCCESS);
      assertThat(store(StoreMode.ADD, "again", 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(vb.get(key).cas()).isNotEqualTo(Item.LOCKED_CAS);
    }

    @Test
    void unlockNeedsTheLockCas() {
      set("v");
      long lockCas = vb.getLocked(key, 10).cas();
      assertThat(vb.unlock(key, lockCas + 1).status()).isEqualTo(Status.LOCKED);
      assertThat(vb.unlock(key, 0).status()).isEqualTo(Status.LOCKED);
      assertThat(vb.unlock(key, lockCas).status()).isEqualTo(Status.SUCCESS);
      assertThat(vb.get(key).cas()).isNotEqualTo(Item.LOCKED_CAS);
      assertThat(store(StoreMode.SET, "free", 0).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void unlockOfAnUnlockedOrMissingDocument() {
      set("v");
      assertThat(vb.unlock(key, 123).status()).isEqualTo(Status.NOT_LOCKED);
      assertThat(vb.unlock(ItemKey.of("missing"), 123).status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(vb.getLocked(ItemKey.of("missing"), 5).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void lockTimesOut() {
      set("v");
      long lockCas = vb.getLocked(key, 5).cas();
      clock.advanceMillis(4_999);
      assertThat(vb.get(key).cas()).isEqualTo(Item.LOCKED_CAS);
      clock.advanceMillis(1);
      assertThat(vb.get(key).cas()).isEqualTo(lockCas);
      assertThat(vb.unlock(key, lockCas).status()).isEqualTo(Status.NOT_LOCKED);
      assertThat(store(StoreMode.SET, "free", 0).status()).isEqualTo(Status.SUCCESS);
    }

    @Test
    void zeroOrTooLongLockTimesMeanTheDefault() {
      for (long asked : new long[] {0, VBucket.MAX_LOCK_SECONDS + 1}) {
        ItemKey k = ItemKey.of("lock-" + asked);
        vb.store(StoreMode.SET, k, bytes("v"), 0, 0, 0, 0, false);
        vb.getLocked(k, asked);
        clock.advanceSeconds(VBucket.DEFAULT_LOCK_SECONDS - 1);
        assertThat(vb.get(k).cas()).as("lock of %d s", asked).isEqualTo(Item.LOCKED_CAS);
        clock.advanceSeconds(1);
        assertThat(vb.get(k).cas()).as("lock of %d s", asked).isNotEqualTo(Item.LOCKED_CAS);
      }
    }

    @Test
    void theMaximumLockTimeIsHonoured() {
      set("v");
      vb.getLocked(key, VBucket.MAX_LOCK_SECONDS);
      clock.advanceSeconds(VBucket.MAX_LOCK_SECONDS - 1);
      assertThat(vb.get(key).cas()).isEqualTo(Item.LOCKED_CAS);
      clock.advanceSeconds(1);
      assertThat(vb.get(key).cas()).isNotEqualTo(Item.LOCKED_CAS);
    }
  }

  @Nested
  class Expiration {
    @Test
    void anExpiredDocumentBecomesATombstone() {
      vb.store(StoreMode.SET, key, bytes("v"), 0, nowSeconds() + 10, 0, 0, false);
      clock.advanceSeconds(9);
      assertThat(vb.get(key).status()).isEqualTo(Status.SUCCESS);
      clock.advanceSeconds(1);
      assertThat(vb.get(key).status()).isEqualTo(Status.KEY_ENOENT);
      KvResult meta = vb.getMeta(key);
      assertThat(meta.item().deleted()).isTrue();
      assertThat(meta.item().bySeqno()).isEqualTo(2);
      assertThat(meta.item().revSeqno()).isEqualTo(2);
      assertThat(vb.liveItems()).isZero();
      assertThat(stats.items()).isZero();
      assertThat(stats.expirations()).isEqualTo(1);
    }

    @Test
    void aTombstoneRemembersWhetherItsExpiryOrADeleteMadeIt() {
      ItemKey read = ItemKey.of("read");
      ItemKey paged = ItemKey.of("paged");
      ItemKey deleted = ItemKey.of("deleted");
      for (ItemKey k : new ItemKey[] {read, paged, deleted}) {
        vb.store(StoreMode.SET, k, bytes("v"), 7, nowSeconds() + 10, Datatype.JSON, 0, false);
      }
      vb.delete(deleted, 0);
      clock.advanceSeconds(10);
      vb.get(read);
      assertThat(vb.expireAll()).as("the pager finds only the unread one").isEqualTo(1);

      for (ItemKey k : new ItemKey[] {read, paged}) {
        Item tombstone = vb.getMeta(k).item();
        assertThat(tombstone.deleted()).isTrue();
        assertThat(tombstone.deletedByExpiry()).as("%s expired", k).isTrue();
        assertThat(tombstone.expiry()).as("its deletion time").isEqualTo(nowSeconds());
        assertThat(tombstone.flags()).isEqualTo(7);
        assertThat(tombstone.valueLength()).isZero();
        assertThat(tombstone.revSeqno()).isEqualTo(2);
      }
      Item tombstone = vb.getMeta(deleted).item();
      assertThat(tombstone.deleted()).isTrue();
      assertThat(tombstone.deletedByExpiry()).isFalse();
      assertThat(vb.get(read).item()).isNull();
      assertThat(stats.expirations()).isEqualTo(2);
    }

    @Test
    void expiryIsNoticedOnlyOnce() {
      vb.store(StoreMode.SET, key, bytes("v"), 0, nowSeconds() + 1, 0, 0, false);
      clock.advanceSeconds(2);
      vb.get(key);
      vb.get(key);
      vb.getMeta(key);
      assertThat(vb.highSeqno()).isEqualTo(2);
      assertThat(stats.expirations()).isEqualTo(1);
    }

    @Test
    void anExpiredDocumentCanBeAddedAgain() {
      vb.store(StoreMode.SET, key, bytes("v"), 0, nowSeconds() + 1, 0, 0, false);
      clock.advanceSeconds(1);
      assertThat(store(StoreMode.ADD, "new", 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(store(StoreMode.REPLACE, "newer", 0).status()).isEqualTo(Status.SUCCESS);
      assertThat(text(vb.get(key))).isEqualTo("newer");
    }

    @Test
    void anExpiredDocumentIsNotReplacedOrCounted() {
      vb.store(StoreMode.SET, key, bytes("5"), 0, nowSeconds() + 1, 0, 0, false);
      clock.advanceSeconds(1);
      assertThat(store(StoreMode.REPLACE, "x", 0).status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(vb.arithmetic(key, true, 1, 0, NO_CREATE, 0).status())
          .isEqualTo(Status.KEY_ENOENT);
      assertThat(vb.touch(key, 0).status()).isEqualTo(Status.KEY_ENOENT);
    }

    @Test
    void touchSetsANewExpiryAndCas() {
      long cas = vb.store(StoreMode.SET, key, bytes("v"), 0, nowSeconds() + 10, 0, 0, false).cas();
      KvResult touched = vb.touch(key, nowSeconds() + 100);
      assertThat(touched.status()).isEqualTo(Status.SUCCESS);
      assertThat(touched.cas()).isGreaterThan(cas);
      clock.advanceSeconds(50);
      assertThat(text(vb.get(key))).isEqualTo("v");
      assertThat(vb.touch(key, 0).status()).isEqualTo(Status.SUCCESS);
      clock.advanceSeconds(1_000_000);
      assertThat(text(vb.get(key))).isEqualTo("v");
    }
  }

  /**
   * The pager runs on its own thread: an operation that needs a value can find it evicted after the
   * command checked it was in memory. It must ask for a fetch, never serve or rewrite an item
   * without its value.
   */
  @Nested
  class EvictedValues {
    private void setPersistedAndEvicted() {
      vb.trackDirty(() -> {});
      set("12");
      vb.persisted(vb.dirty(Integer.MAX_VALUE));
      assertThat(vb.needsFetch(key)).as("resident before the pager runs").isFalse();
      assertThat(vb.evictClean(Long.MAX_VALUE)).isPositive();
    }

    @Test
    void readsAndValueRewritesOfAnEvictedItemAskForAFetch() {
      setPersistedAndEvicted();
      assertThat(vb.needsFetch(key)).isTrue();
      long seqno = vb.highSeqno();
      org.junit.jupiter.api.function.Executable[] needValue = {
        () -> vb.get(key),
        () -> vb.arithmetic(key, true, 1, 0, 0, 0),
        () -> vb.concat(key, bytes("3"), true, 0, MAX_SIZE, v -> Datatype.RAW),
        () -> vb.touch(key, 0),
        () -> vb.getLocked(key, 5)
      };
      for (org.junit.jupiter.api.function.Executable op : needValue) {
        org.junit.jupiter.api.Assertions.assertThrows(ValueNotResident.class, op);
      }
      assertThat(vb.highSeqno()).as("nothing was written without its value").isEqualTo(seqno);
    }

    /**
     * Full eviction removes whole items: a command that found its key in memory and then misses it
     * (the pager removed it in between) must ask the disk, not take the miss for "absent" (an ADD
     * would then overwrite the document on disk).
     */
    @Test
    void underFullEvictionAMissAfterARemovalAsksTheDisk() {
      vb.fullEviction(true);
      vb.trackDirty(() -> {});
      set("on disk");
      vb.persisted(vb.dirty(Integer.MAX_VALUE));
      try {
        vb.guardMisses(vb.removals()); // the command's check: the key is in memory
        assertThat(vb.evictClean(Long.MAX_VALUE)).as("the pager removes it").isPositive();
        org.junit.jupiter.api.Assertions.assertThrows(
            ValueNotResident.class, () -> store(StoreMode.ADD, "new", 0));
        org.junit.jupiter.api.Assertions.assertThrows(ValueNotResident.class, () -> vb.get(key));
        // Checked again after the removal (the disk said there is no such key): a miss is a miss.
        vb.guardMisses(vb.removals());
        assertThat(store(StoreMode.ADD, "new", 0).status()).isEqualTo(Status.SUCCESS);
      } finally {
        VBucket.clearGuard();
      }
      assertThat(text(vb.get(key))).isEqualTo("new");
    }

    @Test
    void writesThatReplaceTheValueNeedNoFetch() {
      setPersistedAndEvicted();
      assertThat(set("new").status()).isEqualTo(Status.SUCCESS);
      assertThat(text(vb.get(key))).isEqualTo("new");
      assertThat(vb.delete(key, 0).status()).isEqualTo(Status.SUCCESS);
    }
  }
}
