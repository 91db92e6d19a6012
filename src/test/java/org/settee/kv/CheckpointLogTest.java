package org.settee.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The change log's contract: entries in seqno order without gaps, readers (cursors) that peek
 * without moving and advance when done, entries released as soon as every reader is past them, slow
 * DCP readers dropped at capacity but never the flusher, and clearing on a bucket flush.
 */
class CheckpointLogTest {
  private static final int CAPACITY = 100;

  private final CheckpointLog log = new CheckpointLog(1, CAPACITY);

  private static Item item(long seqno) {
    return new Item(ItemKey.of("k-" + seqno), new byte[] {1}, 0, seqno, 0, 0, seqno, 1, false, 0);
  }

  /** Appends seqnos {@code from..to} (inclusive). */
  private void append(long from, long to) {
    for (long s = from; s <= to; s++) {
      log.append(item(s));
    }
  }

  private List<Long> peek(CheckpointLog.Cursor c, int max) {
    List<Item> out = new ArrayList<>();
    log.peek(c, max, out);
    return out.stream().map(Item::bySeqno).toList();
  }

  private CheckpointLog.Cursor dcp(String name, long next) {
    return log.register(name, next, true, () -> {});
  }

  private CheckpointLog.Cursor flusher(long next) {
    return log.register("flusher", next, false, () -> {});
  }

  @Nested
  class Reading {
    @Test
    void aCursorReadsEveryEntryFromItsPositionInSeqnoOrder() {
      CheckpointLog.Cursor c = dcp("dcp", 1);
      append(1, 10);
      assertThat(peek(c, 100)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
      assertThat(peek(c, 3)).as("at most max entries").containsExactly(1L, 2L, 3L);
      assertThat(c.next()).as("peeking does not move the cursor").isEqualTo(1);
      assertThat(c.name()).isEqualTo("dcp");
    }

    @Test
    void advancingMovesTheCursorPastTheSeqnoItHasDone() {
      CheckpointLog.Cursor c = dcp("dcp", 1);
      append(1, 10);
      log.advance(c, 4);
      assertThat(c.next()).isEqualTo(5);
      assertThat(peek(c, 100)).containsExactly(5L, 6L, 7L, 8L, 9L, 10L);
      log.advance(c, 2);
      assertThat(c.next()).as("never backwards").isEqualTo(5);
    }

    @Test
    void aCursorRegisteredLaterStartsWhereItAsked() {
      CheckpointLog.Cursor first = dcp("first", 1);
      append(1, 10);
      CheckpointLog.Cursor second = dcp("second", 7);
      assertThat(peek(second, 100)).containsExactly(7L, 8L, 9L, 10L);
      assertThat(peek(first, 2)).containsExactly(1L, 2L);
    }

    @Test
    void aCursorAtTheEndReadsNothingUntilTheNextAppendWhichWakesItOnce() {
      AtomicInteger wakes = new AtomicInteger();
      CheckpointLog.Cursor c = log.register("dcp", 1, true, wakes::incrementAndGet);
      append(1, 2);
      assertThat(wakes).as("not waiting yet: no wake").hasValue(0);
      log.advance(c, 2);
      assertThat(peek(c, 10)).isEmpty();
      append(3, 3);
      assertThat(wakes).as("the append it waited for").hasValue(1);
      append(4, 5);
      assertThat(wakes).as("woken once per wait, not per append").hasValue(1);
      assertThat(peek(c, 10)).containsExactly(3L, 4L, 5L);
    }

    @Test
    void aGapInSeqnosIsRefused() {
      dcp("dcp", 1);
      append(1, 3);
      assertThatThrownBy(() -> log.append(item(5)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("gap");
    }

    @Test
    void thousandsOfEntriesStayInOrderAsTheRingGrowsShrinksAndWraps() {
      // The flusher's cursor: far more entries than a DCP reader may fall behind.
      CheckpointLog.Cursor c = flusher(1);
      append(1, 5_000);
      List<Long> read = new ArrayList<>();
      while (read.size() < 4_900) {
        List<Long> batch = peek(c, 100);
        read.addAll(batch);
        log.advance(c, batch.get(batch.size() - 1));
      }
      assertThat(log.size()).isEqualTo(100);
      // The ring has shrunk around the last 100 entries; appends wrap around and grow it again.
      append(5_001, 5_400);
      read.addAll(peek(c, 1_000));
      assertThat(read).hasSize(5_400);
      for (int i = 0; i < read.size(); i++) {
        assertThat(read.get(i)).isEqualTo(i + 1L);
      }
    }
  }

  @Nested
  class Registering {
    @Test
    void aPositionTheLogNoLongerHoldsIsRefused() {
      CheckpointLog.Cursor c = dcp("dcp", 1);
      append(1, 10);
      log.advance(c, 5);
      assertThat(log.firstSeqno()).isEqualTo(6);
      assertThatThrownBy(() -> dcp("late", 5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("late");
      assertThat(peek(dcp("in-time", 6), 100)).containsExactly(6L, 7L, 8L, 9L, 10L);
    }

    @Test
    void aCursorAtTheOldestSeqnoPinsEverythingFromThere() {
      CheckpointLog.Cursor flusher = flusher(1);
      append(1, 10);
      log.advance(flusher, 3);
      CheckpointLog.Cursor oldest = dcp("dcp", log.firstSeqno());
      log.advance(flusher, 10);
      assertThat(log.firstSeqno()).as("held for the new reader").isEqualTo(4);
      assertThat(peek(oldest, 100)).containsExactly(4L, 5L, 6L, 7L, 8L, 9L, 10L);
    }
  }

  @Nested
  class Releasing {
    @Test
    void withoutReadersNothingIsKept() {
      append(1, 10);
      assertThat(log.size()).isZero();
      assertThat(log.firstSeqno()).as("the next seqno to come").isEqualTo(11);
      assertThat(peek(dcp("dcp", 11), 10)).isEmpty();
    }

    @Test
    void entriesGoOnceEveryReaderIsPastThem() {
      CheckpointLog.Cursor a = dcp("a", 1);
      CheckpointLog.Cursor b = dcp("b", 1);
      append(1, 10);
      log.advance(a, 8);
      assertThat(log.firstSeqno()).as("b still needs 1").isEqualTo(1);
      assertThat(log.size()).isEqualTo(10);
      log.advance(b, 5);
      assertThat(log.firstSeqno()).isEqualTo(6);
      assertThat(log.size()).isEqualTo(5);
      log.unregister(b);
      assertThat(log.firstSeqno()).as("only a is left, at 9").isEqualTo(9);
      assertThat(log.size()).isEqualTo(2);
    }

    @Test
    void seekSkipsAReaderForwardButNotPastTheEndNorBack() {
      CheckpointLog.Cursor c = dcp("dcp", 1);
      append(1, 10);
      log.seek(c, 4);
      assertThat(c.next()).isEqualTo(4);
      assertThat(log.firstSeqno()).isEqualTo(4);
      log.seek(c, 2);
      assertThat(c.next()).as("not backwards").isEqualTo(4);
      log.seek(c, 50);
      assertThat(c.next()).as("at most just past the newest entry").isEqualTo(11);
      append(11, 12);
      assertThat(peek(c, 10)).containsExactly(11L, 12L);
    }

    @Test
    void anIdleLogMovesToTheSeqnoItIsToldAndABusyOneDoesNot() {
      log.syncIfIdle(500);
      assertThat(log.firstSeqno()).isEqualTo(500);
      CheckpointLog.Cursor c = dcp("dcp", 500);
      append(500, 501);
      log.syncIfIdle(900);
      assertThat(log.firstSeqno()).as("a reader holds it").isEqualTo(500);
      log.advance(c, 501);
      log.syncIfIdle(900);
      assertThat(log.firstSeqno()).as("still a reader, though nothing held").isEqualTo(502);
    }
  }

  @Nested
  class Dropping {
    @Test
    void aReaderMoreThanCapacityBehindIsDroppedAndWokenAndTheLogShrinksToTheRest() {
      AtomicInteger wakes = new AtomicInteger();
      CheckpointLog.Cursor slow = log.register("slow", 1, true, wakes::incrementAndGet);
      CheckpointLog.Cursor fast = dcp("fast", 1);
      append(1, CAPACITY);
      assertThat(CheckpointLog.isDropped(slow)).as("exactly at capacity: kept").isFalse();
      for (long s = 1; s <= CAPACITY; s++) {
        log.advance(fast, s);
      }
      append(CAPACITY + 1, CAPACITY + 1);

      assertThat(CheckpointLog.isDropped(slow)).isTrue();
      assertThat(wakes).as("its reader is told, to go back to disk").hasValue(1);
      assertThat(CheckpointLog.isDropped(fast)).isFalse();
      assertThat(log.firstSeqno()).as("held only for the fast reader").isEqualTo(CAPACITY + 1);
      assertThat(peek(slow, 10)).as("a dropped reader reads nothing").isEmpty();
      long next = slow.next();
      log.advance(slow, CAPACITY + 1);
      log.seek(slow, CAPACITY + 1);
      assertThat(slow.next()).as("and does not move").isEqualTo(next);
      append(CAPACITY + 2, CAPACITY + 2);
      assertThat(wakes).as("nor is it woken again").hasValue(1);
    }

    @Test
    void aReaderWithinHalfTheCapacityOfTheNewestEntrySurvives() {
      CheckpointLog.Cursor behind = dcp("behind", 1);
      CheckpointLog.Cursor recent = dcp("recent", 1);
      append(1, CAPACITY);
      log.advance(recent, CAPACITY / 2 + 1); // next = 52: within half the capacity of 101
      append(CAPACITY + 1, CAPACITY + 1);
      assertThat(CheckpointLog.isDropped(behind)).isTrue();
      assertThat(CheckpointLog.isDropped(recent)).isFalse();
      assertThat(peek(recent, 1)).containsExactly(CAPACITY / 2 + 2L);
    }

    @Test
    void theFlushersCursorIsNeverDroppedHoweverFarBehind() {
      CheckpointLog.Cursor flusher = flusher(1);
      CheckpointLog.Cursor dcp = dcp("dcp", 1);
      append(1, 10 * CAPACITY);
      assertThat(CheckpointLog.isDropped(flusher)).isFalse();
      assertThat(CheckpointLog.isDropped(dcp)).isTrue();
      assertThat(log.size()).as("everything the flusher has not persisted").isEqualTo(1_000);
      assertThat(peek(flusher, 2)).containsExactly(1L, 2L);
    }

    @Test
    void dropAllDropsEveryDcpReaderAndKeepsTheFlusher() {
      AtomicInteger wakes = new AtomicInteger();
      CheckpointLog.Cursor flusher = flusher(1);
      CheckpointLog.Cursor a = log.register("a", 1, true, wakes::incrementAndGet);
      CheckpointLog.Cursor b = log.register("b", 1, true, wakes::incrementAndGet);
      append(1, 5);
      log.advance(flusher, 3);
      log.dropAll();
      assertThat(CheckpointLog.isDropped(a)).isTrue();
      assertThat(CheckpointLog.isDropped(b)).isTrue();
      assertThat(wakes).hasValue(2);
      assertThat(CheckpointLog.isDropped(flusher)).isFalse();
      assertThat(log.firstSeqno()).as("only the flusher's part is left").isEqualTo(4);
      assertThat(peek(flusher, 10)).containsExactly(4L, 5L);
    }
  }

  @Nested
  class Clearing {
    @Test
    void clearForgetsEveryEntryDropsReadersAndMovesTheFlusherOn() {
      AtomicInteger wakes = new AtomicInteger();
      CheckpointLog.Cursor flusher = flusher(1);
      CheckpointLog.Cursor dcp = log.register("dcp", 1, true, wakes::incrementAndGet);
      append(1, 20);
      log.clear(21);
      assertThat(log.size()).isZero();
      assertThat(log.firstSeqno()).isEqualTo(21);
      assertThat(CheckpointLog.isDropped(dcp)).isTrue();
      assertThat(wakes).hasValue(1);
      assertThat(flusher.next()).as("nothing of the old entries to persist").isEqualTo(21);
      assertThat(peek(flusher, 10)).isEmpty();
      append(21, 22);
      assertThat(peek(flusher, 10)).as("seqnos go on after a flush").containsExactly(21L, 22L);
    }
  }
}
