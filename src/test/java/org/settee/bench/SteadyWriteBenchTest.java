package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SteadyWriteBenchTest {
  @Test
  void writesAtTheRateAndReportsTheStorageThreadsCpuPerSet() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SteadyWriteBench.Result r =
        new SteadyWriteBench(
                5_000, 1_000, 20, 0, 2, new PrintStream(out, true, StandardCharsets.UTF_8))
            .run();

    assertThat(r.sets()).isEqualTo(10_000);
    assertThat(r.batches()).as("flusher batches").isPositive().isLessThanOrEqualTo(r.sets());
    assertThat(r.flusherMicrosPerSet()).as("the flusher wrote them").isPositive();
    assertThat(r.storageMicrosPerSet())
        .isEqualTo(r.flusherMicrosPerSet() + r.rocksDbMicrosPerSet());
    assertThat(out.toString(StandardCharsets.UTF_8))
        .startsWith(
            "steady writes: 10,000 sets at 5,000/s over 1,000 keys of 20 bytes: storage CPU");
  }

  @Test
  void refusesALoadThatIsNone() {
    assertThatThrownBy(() -> new SteadyWriteBench(0, 1, 1, 0, 1, System.out))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SteadyWriteBench(1, 1, 1, 0, 0, System.out))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
