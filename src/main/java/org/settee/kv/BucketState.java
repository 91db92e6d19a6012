package org.settee.kv;

/** A bucket's lifecycle; it only moves forward, through {@link Bucket#transition}. */
public enum BucketState {
  /** Being built: not yet visible to connections. */
  CREATING,
  /** Serving requests. */
  READY,
  /** Refusing new requests and selects while connections, streams and tasks wind down. */
  SHUTTING_DOWN,
  /** Everything released; the name can be reused. */
  GONE
}
