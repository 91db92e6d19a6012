package org.settee.bench;

/**
 * Names the bench's keys, {@code key-0} .. {@code key-<n-1>}, writing them into a caller's scratch
 * array so that choosing a key allocates nothing on the hot path.
 */
final class KeySpace {
  private static final byte[] PREFIX = {'k', 'e', 'y', '-'};

  /** "key-" plus the 19 digits of Long.MAX_VALUE. */
  static final int MAX_KEY_LENGTH = PREFIX.length + 19;

  private KeySpace() {}

  /**
   * Writes key number {@code n} (not negative) into {@code scratch}, which must hold at least
   * {@link #MAX_KEY_LENGTH} bytes.
   *
   * @return the key's length
   */
  static int write(long n, byte[] scratch) {
    System.arraycopy(PREFIX, 0, scratch, 0, PREFIX.length);
    int digits = 1;
    for (long rest = n / 10; rest != 0; rest /= 10) {
      digits++;
    }
    int end = PREFIX.length + digits;
    long rest = n;
    for (int i = end - 1; i >= PREFIX.length; i--) {
      scratch[i] = (byte) ('0' + rest % 10);
      rest /= 10;
    }
    return end;
  }
}
