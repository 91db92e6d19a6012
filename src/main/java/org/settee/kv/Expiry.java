package org.settee.kv;

/**
 * Converts the expiry a client sends into the absolute time Settee stores: 0 is never, up to 30
 * days is relative to now, anything larger is already an absolute Unix time.
 */
public final class Expiry {
  /** Beyond this many seconds an expiry is an absolute Unix time, as in memcached. */
  public static final long RELATIVE_LIMIT_SECONDS = 30L * 24 * 60 * 60;

  private Expiry() {}

  /**
   * @param wireExpiry the unsigned 32-bit expiry from the request
   * @return absolute Unix seconds, or 0 for no expiry; an absolute time in the past stays in the
   *     past, so the item is expired at once
   */
  public static long toAbsolute(long wireExpiry, long nowSeconds) {
    long expiry = wireExpiry & 0xffffffffL;
    if (expiry == 0) {
      return 0;
    }
    if (expiry <= RELATIVE_LIMIT_SECONDS) {
      return nowSeconds + expiry;
    }
    return expiry;
  }
}
