package org.settee.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * A vBucket's history branches, newest first: each entry is the UUID a branch was given and the
 * seqno at which it began. DCP clients compare against it to detect diverged histories.
 */
public final class FailoverLog {
  /** One history branch. */
  public record Entry(long uuid, long seqno) {}

  /** Couchbase keeps at most this many entries. */
  static final int MAX_ENTRIES = 25;

  private final List<Entry> entries = new ArrayList<>();

  /**
   * {@link #entries} as an immutable copy, made when the log changes (rarely) rather than at each
   * call: the flusher asks every dirty vBucket for it every round.
   */
  private List<Entry> snapshot = List.of();

  public synchronized void add(long uuid, long seqno) {
    entries.add(0, new Entry(uuid, seqno));
    if (entries.size() > MAX_ENTRIES) {
      entries.remove(entries.size() - 1);
    }
    snapshot = List.copyOf(entries);
  }

  /** Replaces the whole log (warmup), newest first; an empty list leaves it as it is. */
  public synchronized void replace(List<Entry> newestFirst) {
    if (newestFirst.isEmpty()) {
      return;
    }
    entries.clear();
    entries.addAll(newestFirst.subList(0, Math.min(MAX_ENTRIES, newestFirst.size())));
    snapshot = List.copyOf(entries);
  }

  public synchronized Entry latest() {
    return entries.get(0);
  }

  public synchronized List<Entry> entries() {
    return snapshot;
  }

  /**
   * Whether a DCP client that has seen this vBucket up to {@code startSeqno} on branch {@code
   * uuid}, inside a snapshot [{@code snapStart}, {@code snapEnd}], shares our history; if not, the
   * seqno it must roll back to (kv_engine's {@code FailoverTable::needsRollback}).
   *
   * @param highSeqno this vBucket's high seqno
   * @param purgeSeqno the highest purged tombstone: a client behind it may have missed a deletion
   * @param strict apply the uuid check even to a client that starts from 0
   * @param ignorePurged the client accepts having missed purged tombstones
   * @return -1 when no rollback is needed, else the seqno to roll back to
   */
  public synchronized long rollbackSeqno(
      long startSeqno,
      long uuid,
      long snapStart,
      long snapEnd,
      long highSeqno,
      long purgeSeqno,
      boolean strict,
      boolean ignorePurged) {
    if (startSeqno == 0 && (uuid == 0 || !strict)) {
      return -1;
    }
    if (startSeqno != 0 && startSeqno < purgeSeqno && !ignorePurged) {
      return 0;
    }
    int index = -1;
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).uuid() == uuid) {
        index = i;
        break;
      }
    }
    if (index < 0) {
      return 0;
    }
    // The branch the client knows ended where the next newer one began (or runs on to now).
    long upper = index == 0 ? highSeqno : entries.get(index - 1).seqno();
    if (startSeqno == snapStart) {
      snapEnd = startSeqno;
    }
    if (snapEnd <= upper) {
      return -1;
    }
    if (startSeqno == snapEnd) {
      snapStart = startSeqno;
    }
    return Math.min(upper, snapStart);
  }
}
