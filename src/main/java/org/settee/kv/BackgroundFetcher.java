package org.settee.kv;

import java.util.concurrent.Executor;

/**
 * Reads evicted items back from a bucket's disk, off the event loops. Storage provides one for
 * couchbase buckets; buckets without a disk have none.
 */
public interface BackgroundFetcher {
  /** Where fetches run: a bounded pool, never an event loop. */
  Executor executor();

  /**
   * Reads a key's stored item (blocking), or null when the disk has none.
   *
   * @throws ReadFailure when the disk cannot answer
   */
  Item fetch(int vbucket, ItemKey key);

  /**
   * The disk could not answer a read. {@code temporary}: an I/O error, which may pass (a retry may
   * work); otherwise what is stored cannot be read as a document (damaged). The message is for the
   * client: it names no file.
   */
  final class ReadFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean temporary;

    public ReadFailure(String message, boolean temporary, Throwable cause) {
      super(message, cause);
      this.temporary = temporary;
    }

    public boolean temporary() {
      return temporary;
    }
  }
}
