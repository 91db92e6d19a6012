package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.settee.cli.SetteeCli;
import picocli.CommandLine;

/**
 * {@code settee bench-dcp} on a small load: every item arrives exactly once from memory and once
 * from disk, under markers of that kind, and the command exits 0. A functional check: no timings.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchDcpIT {
  private static final int ITEMS = 20_000;

  @Test
  void everyItemIsStreamedOnceFromMemoryAndOnceFromDisk() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DcpBench.Result r =
        new DcpBench(ITEMS, 100, new PrintStream(out, true, StandardCharsets.UTF_8)).run();

    // Two raw passes each (before and after the backfill), each reading every item once.
    assertThat(r.raw().items()).isEqualTo(2L * ITEMS);
    assertThat(r.rawOneThread().items()).isEqualTo(2L * ITEMS);
    assertThat(r.raw().payloadBytes()).isEqualTo(2L * ITEMS * (13 + 100));
    assertThat(r.backfillItems()).isEqualTo(ITEMS);
    assertThat(r.backfill().items()).isEqualTo(ITEMS);
    assertThat(r.backfill().payloadBytes()).isEqualTo(ITEMS * (13L + 100));
    assertThat(r.memoryItems()).isEqualTo(ITEMS);
    // One disk snapshot per vBucket: the whole history, read from disk in one go.
    assertThat(r.diskMarkers()).isEqualTo(DcpBench.VBUCKETS);
    assertThat(r.memoryMarkers()).isGreaterThanOrEqualTo(DcpBench.VBUCKETS);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("backfill / raw = ");
  }

  @Test
  void theCommandExitsZero() {
    int exit = new CommandLine(new SetteeCli()).execute("bench-dcp", "--items", "2000");
    assertThat(exit).isZero();
  }

  @Test
  void keysAreFixedWidth() {
    assertThat(new String(DcpBench.key(0), StandardCharsets.US_ASCII)).isEqualTo("key-000000000");
    assertThat(new String(DcpBench.key(123_456_789), StandardCharsets.US_ASCII))
        .isEqualTo("key-123456789");
  }
}
