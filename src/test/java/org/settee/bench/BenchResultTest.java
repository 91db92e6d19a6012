package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class BenchResultTest {
  private static final BenchConfig CONFIG =
      new BenchConfig(
          "127.0.0.1",
          11210,
          4,
          16,
          0.9,
          100,
          100_000,
          Duration.ofSeconds(10),
          0,
          null,
          null,
          null,
          0,
          true,
          Duration.ofSeconds(2));

  private static BenchResult result(Map<Integer, Long> errors, long populateErrors) {
    return result(errors, populateErrors, MachineCpu.UNKNOWN);
  }

  private static BenchResult result(
      Map<Integer, Long> errors, long populateErrors, long machineCpuNanos) {
    return new BenchResult(
        CONFIG,
        "epoll",
        1_000_000,
        Duration.ofSeconds(4),
        900_000,
        100_000,
        899_000,
        1_000,
        errors,
        populateErrors,
        new BenchResult.Latency(52.5, 90, 210.25, 999.9, 12_000),
        machineCpuNanos);
  }

  @Test
  void derivesThroughputAndErrorTotals() {
    BenchResult r = result(Map.of(0x86, 7L, 0x07, 3L), 0);

    assertThat(r.opsPerSecond()).isEqualTo(250_000.0);
    assertThat(r.errors()).isEqualTo(10);
  }

  @Test
  void formatsOneFigurePerLine() {
    String text = result(Map.of(0x86, 7L, 0x07, 3L, 0x1234, 1L), 0).format();

    assertThat(text.lines())
        .containsExactly(
            "target      127.0.0.1:11210, 4 connections x pipeline 16 (epoll), 90% gets,"
                + " 100-byte values, 100,000 keys",
            "ops         1,000,000 in 4.00 s = 250,000 ops/s",
            "gets        900,000 (hits 899,000, misses 1,000)",
            "sets        100,000",
            "errors      11 (NOT_MY_VBUCKET 0x07: 3, ETMPFAIL 0x86: 7, status 0x1234: 1)",
            "latency us  p50 52.5  p90 90.0  p99 210.3  p99.9 999.9  max 12000.0");
  }

  @Test
  void reportsTheMachinesCpuPerOperationWhenItWasRead() {
    // 7.2 s busy over a 4 s run: 1.8 cores; over 1M operations: 7.2 us each.
    BenchResult r = result(Map.of(), 0, 7_200_000_000L);

    assertThat(r.machineCpuMicrosPerOp()).isEqualTo(7.2);
    assertThat(r.format().lines())
        .last()
        .isEqualTo("machine cpu 7.20 us per op, 1.80 cores busy (all processes and the kernel)");
    assertThat(result(Map.of(), 0).machineCpuMicrosPerOp()).isNaN();
    assertThat(result(Map.of(), 0).format()).doesNotContain("machine cpu");
  }

  @Test
  void mentionsPopulateFailuresOnlyWhenThereWereSome() {
    assertThat(result(Map.of(), 0).format()).doesNotContain("populate");
    assertThat(result(Map.of(), 12).format()).contains("populate    12 SETs failed");
  }

  @Test
  void readsPercentilesFromANanosecondHistogramInMicroseconds() {
    Histogram h =
        new Histogram(
            ConnectionStats.LOWEST_DISCERNIBLE_NANOS, ConnectionStats.HIGHEST_TRACKABLE_NANOS, 3);
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 1_000L); // 1 us .. 1000 us
    }

    BenchResult.Latency l = BenchResult.Latency.ofNanos(h);

    assertThat(l.p50()).isBetween(499.0, 501.0);
    assertThat(l.p99()).isBetween(989.0, 991.0);
    assertThat(l.max()).isBetween(999.0, 1001.0);
  }
}
