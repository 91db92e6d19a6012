package org.settee.kv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The memcached expiry rule: 0 never, up to 30 days relative, beyond that absolute. */
class ExpiryTest {
  private static final long NOW = 1_700_000_000L;
  private static final long THIRTY_DAYS = 30L * 24 * 60 * 60;

  @Test
  void zeroIsNever() {
    assertThat(Expiry.toAbsolute(0, NOW)).isZero();
  }

  @Test
  void upToThirtyDaysIsRelativeToNow() {
    assertThat(Expiry.toAbsolute(1, NOW)).isEqualTo(NOW + 1);
    assertThat(Expiry.toAbsolute(10, NOW)).isEqualTo(NOW + 10);
    assertThat(Expiry.toAbsolute(THIRTY_DAYS, NOW)).isEqualTo(NOW + THIRTY_DAYS);
    assertThat(Expiry.RELATIVE_LIMIT_SECONDS).isEqualTo(THIRTY_DAYS);
  }

  @Test
  void beyondThirtyDaysIsAnAbsoluteUnixTime() {
    assertThat(Expiry.toAbsolute(NOW + 500, NOW)).isEqualTo(NOW + 500);
    assertThat(Expiry.toAbsolute(THIRTY_DAYS + 1, NOW)).isEqualTo(THIRTY_DAYS + 1);
  }

  @Test
  void anAbsoluteTimeInThePastStaysInThePast() {
    long expiry = Expiry.toAbsolute(THIRTY_DAYS + 1, NOW);
    assertThat(expiry).isPositive().isLessThan(NOW);
    Item item = new Item(ItemKey.of("k"), new byte[0], 0, 1, expiry, 0, 1, 1, false, 0);
    assertThat(item.isExpiredAt(NOW)).isTrue();
    assertThat(item.isLiveAt(NOW)).isFalse();
  }

  @Test
  void theWireValueIsUnsigned() {
    assertThat(Expiry.toAbsolute(0xffffffffL, NOW)).isEqualTo(0xffffffffL);
    assertThat(Expiry.toAbsolute(-1L, NOW)).isEqualTo(0xffffffffL);
    assertThat(Expiry.toAbsolute((long) Integer.MIN_VALUE, NOW)).isEqualTo(0x80000000L);
  }

  @Test
  void anItemExpiresAtItsExpirySecond() {
    Item item = new Item(ItemKey.of("k"), new byte[0], 0, 1, NOW + 10, 0, 1, 1, false, 0);
    assertThat(item.isExpiredAt(NOW + 9)).isFalse();
    assertThat(item.isExpiredAt(NOW + 10)).isTrue();
    Item forever = new Item(ItemKey.of("k"), new byte[0], 0, 1, 0, 0, 1, 1, false, 0);
    assertThat(forever.isExpiredAt(Long.MAX_VALUE)).isFalse();
  }
}
