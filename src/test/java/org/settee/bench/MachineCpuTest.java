package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MachineCpuTest {
  @Test
  void countsUserNiceSystemIrqAndSoftirqButNotIdleIowaitOrSteal() {
    // user 100, nice 2, system 30, idle 5000, iowait 40, irq 3, softirq 7, steal 900, guest...
    long nanos = MachineCpu.parseBusyNanos("cpu  100 2 30 5000 40 3 7 900 0 0");

    assertThat(nanos).isEqualTo((100 + 2 + 30 + 3 + 7) * 10_000_000L);
  }

  @Test
  void refusesALineThatIsNotTheAggregateOne() {
    assertThatThrownBy(() -> MachineCpu.parseBusyNanos("cpu0 1 2 3 4 5 6 7 8"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MachineCpu.parseBusyNanos("cpu 1 2 3"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MachineCpu.parseBusyNanos("cpu 1 x 3 4 5 6 7 8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad counter");
  }

  @Test
  void readsAGrowingFigure() {
    long before = MachineCpu.busyNanos();
    long spin = System.nanoTime() + 50_000_000L;
    long x = 0;
    while (System.nanoTime() < spin) {
      x += Long.numberOfTrailingZeros(x + System.nanoTime());
    }
    long after = MachineCpu.busyNanos();

    assertThat(x).isNotNegative();
    assertThat(before).isPositive();
    assertThat(after).as("50 ms of spinning shows").isGreaterThan(before);
  }
}
