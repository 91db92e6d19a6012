package org.settee.kv;

import java.util.function.Consumer;

/**
 * A vBucket's hash table: open addressing with linear probing, items in one array and their key
 * hashes in another. No node or key objects per entry: about 8 bytes per slot instead of a
 * HashMap's 40 per entry. Not thread-safe: the vBucket's monitor guards it.
 */
final class ItemTable {
  private static final int MIN_CAPACITY = 16;

  /** Grow at 70% full: linear probing stays short. */
  private static final double MAX_LOAD = 0.7;

  private Item[] items = new Item[MIN_CAPACITY];
  private int[] hashes = new int[MIN_CAPACITY];
  private int size;

  int size() {
    return size;
  }

  Item get(ItemKey key) {
    int mask = items.length - 1;
    int h = key.hashCode();
    for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
      Item item = items[i];
      if (item == null) {
        return null;
      }
      if (hashes[i] == h && item.hasKey(key.bytes())) {
        return item;
      }
    }
  }

  /** Puts an item under its key; returns the one it replaced, or null. */
  Item put(ItemKey key, Item item) {
    return insert(key.hashCode(), item);
  }

  /** Puts an item under its own key (warmup: no lookup key at hand); returns the replaced one. */
  Item put(Item item) {
    return insert(item.keyHash(), item);
  }

  private Item insert(int h, Item item) {
    if (size + 1 > items.length * MAX_LOAD) {
      resize(items.length * 2);
    }
    int mask = items.length - 1;
    for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
      Item old = items[i];
      if (old == null) {
        items[i] = item;
        hashes[i] = h;
        size++;
        return null;
      }
      if (hashes[i] == h && old.sameKey(item)) {
        items[i] = item;
        return old;
      }
    }
  }

  /** Removes a key; returns its item, or null. */
  Item remove(ItemKey key) {
    int mask = items.length - 1;
    int h = key.hashCode();
    for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
      Item item = items[i];
      if (item == null) {
        return null;
      }
      if (hashes[i] == h && item.hasKey(key.bytes())) {
        deleteSlot(i);
        size--;
        return item;
      }
    }
  }

  /** Backward-shift deletion: keeps every probe chain unbroken without tombstone slots. */
  private void deleteSlot(int hole) {
    int mask = items.length - 1;
    int i = hole;
    while (true) {
      i = (i + 1) & mask;
      Item item = items[i];
      if (item == null) {
        break;
      }
      int home = mix(hashes[i]) & mask;
      // Move the entry into the hole if its home is not in the cyclic range (hole, i].
      boolean homeBetween = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
      if (!homeBetween) {
        items[hole] = item;
        hashes[hole] = hashes[i];
        hole = i;
      }
    }
    items[hole] = null;
    hashes[hole] = 0;
  }

  void clear() {
    items = new Item[MIN_CAPACITY];
    hashes = new int[MIN_CAPACITY];
    size = 0;
  }

  /** Visits every item; the visitor must not change the table. */
  void forEach(Consumer<Item> visitor) {
    for (Item item : items) {
      if (item != null) {
        visitor.accept(item);
      }
    }
  }

  private void resize(int capacity) {
    Item[] oldItems = items;
    int[] oldHashes = hashes;
    items = new Item[capacity];
    hashes = new int[capacity];
    int mask = capacity - 1;
    for (int j = 0; j < oldItems.length; j++) {
      if (oldItems[j] != null) {
        int i = mix(oldHashes[j]) & mask;
        while (items[i] != null) {
          i = (i + 1) & mask;
        }
        items[i] = oldItems[j];
        hashes[i] = oldHashes[j];
      }
    }
  }

  /** Spreads Arrays.hashCode's polynomial hash over the low bits (murmur3's finaliser). */
  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
