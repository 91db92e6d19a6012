package org.settee.http;

/** Where a route's handler runs. */
enum Execution {
  /** On the connection's event loop: cheap reads of in-memory state only. */
  INLINE,
  /**
   * On the management executor, one request at a time: anything that writes files, derives password
   * hashes or changes buckets, so the event loops never block and changes never interleave (a check
   * such as the memory quota holds until the change it guards is made).
   */
  SERIALIZED
}
