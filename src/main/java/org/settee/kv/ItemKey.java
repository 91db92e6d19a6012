package org.settee.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A document key: binary bytes (never text) with a cached hash, for hash tables. */
public final class ItemKey {
  private final byte[] bytes;
  private final int hash;

  public ItemKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = hashOf(bytes, 0, bytes.length);
  }

  /** The hash of a key held in {@code a[from..to)}: the same as an ItemKey of those bytes. */
  static int hashOf(byte[] a, int from, int to) {
    int h = 1;
    for (int i = from; i < to; i++) {
      h = 31 * h + a[i];
    }
    return h;
  }

  public static ItemKey of(String key) {
    return new ItemKey(key.getBytes(StandardCharsets.UTF_8));
  }

  /** The key bytes; callers must not modify them. */
  public byte[] bytes() {
    return bytes;
  }

  public int length() {
    return bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ItemKey other && hash == other.hash && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
