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

  public synchronized void add(long uuid, long seqno) {
    entries.add(0, new Entry(uuid, seqno));
    if (entries.size() > MAX_ENTRIES) {
      entries.remove(entries.size() - 1);
    }
  }

  /** Replaces the whole log (warmup), newest first; an empty list leaves it as it is. */
  public synchronized void replace(List<Entry> newestFirst) {
    if (newestFirst.isEmpty()) {
      return;
    }
    entries.clear();
    entries.addAll(newestFirst.subList(0, Math.min(MAX_ENTRIES, newestFirst.size())));
  }

  public synchronized Entry latest() {
    return entries.get(0);
  }

  public synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }
}
