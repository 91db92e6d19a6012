package org.settee.kv;

/** An item under GET_LOCKED: the only kind that pays for a lock time. */
final class LockedItem extends Item {
  private final long lockedUntilMillis;

  LockedItem(Item item, long lockCas, long lockedUntilMillis) {
    super(item, lockCas);
    this.lockedUntilMillis = lockedUntilMillis;
  }

  @Override
  public long lockedUntilMillis() {
    return lockedUntilMillis;
  }
}
