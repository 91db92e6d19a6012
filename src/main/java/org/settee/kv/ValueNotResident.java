package org.settee.kv;

/**
 * Thrown by a vBucket operation that needs an item's value when the pager evicted it after the
 * command checked it was in memory (the pager runs on its own thread). Not an error: the command
 * fetches the value from disk and runs again. Carries no stack trace: it is control flow.
 */
public final class ValueNotResident extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The one instance: nothing in it differs between throws. */
  public static final ValueNotResident INSTANCE = new ValueNotResident();

  private ValueNotResident() {
    super("the value was evicted; fetch it and try again", null, false, false);
  }
}
