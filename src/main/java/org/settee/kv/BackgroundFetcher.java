package org.settee.kv;

import java.util.concurrent.Executor;

/**
 * Reads evicted items back from a bucket's disk, off the event loops. Storage provides one for
 * couchbase buckets; buckets without a disk have none.
 */
public interface BackgroundFetcher {
  /** Where fetches run: a bounded pool, never an event loop. */
  Executor executor();

  /** Reads a key's stored item (blocking), or null when the disk has none. */
  Item fetch(int vbucket, ItemKey key);
}
