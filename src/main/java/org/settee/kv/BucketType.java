package org.settee.kv;

import java.util.Locale;

/** The kinds of bucket Couchbase offers; the name is the REST API's {@code bucketType} value. */
public enum BucketType {
  /** Persistent, replicated documents with tombstones, seqnos and DCP. */
  COUCHBASE,
  /** Like couchbase, but memory only. */
  EPHEMERAL,
  /** A plain cache: no tombstones, no persistence. */
  MEMCACHED;

  public String restName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a REST name; null for an unknown one. */
  public static BucketType ofRestName(String name) {
    for (BucketType t : values()) {
      if (t.restName().equals(name)) {
        return t;
      }
    }
    return null;
  }

  boolean keepsTombstones() {
    return this != MEMCACHED;
  }
}
