package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {
  @Test
  void readsNameAndCpuEvenWhenTheNameHoldsSpacesAndParentheses() {
    // pid (comm) state ppid ... utime (14th) stime (15th) ...
    String stat = "4242 (rocks) db:low)) S 1 1 1 0 -1 4194560 10 0 0 0 250 37 0 0 20 0 30 0 9";

    assertThat(ThreadCpu.nameOf(stat)).isEqualTo("rocks) db:low)");
    assertThat(ThreadCpu.cpuNanosOf(stat)).isEqualTo((250 + 37) * 10_000_000L);
    assertThatThrownBy(() -> ThreadCpu.cpuNanosOf("4242 (x) S 1 2"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ThreadCpu.nameOf("garbage"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void groupsThisProcesssThreadsByName() throws Exception {
    AtomicLong seen = new AtomicLong();
    // Linux keeps a thread's name to 15 characters; a short one is read whole.
    Thread spinner =
        new Thread(
            () -> {
              // 100 ms of this thread's CPU, however long a busy machine takes to give it.
              ThreadMXBean threads = ManagementFactory.getThreadMXBean();
              long x = 0;
              while (threads.getCurrentThreadCpuTime() < 100_000_000L) {
                x += System.nanoTime() & 1;
              }
              Map<String, Long> cpu =
                  ThreadCpu.byGroup(name -> name.equals("tcpu-spin") ? "spin" : null);
              seen.set(x >= 0 ? cpu.getOrDefault("spin", -1L) : 0);
            },
            "tcpu-spin");
    spinner.start();
    spinner.join();

    assertThat(seen.get())
        .as("~100 ms of CPU, read in 10 ms ticks")
        .isGreaterThanOrEqualTo(50_000_000L);
  }
}
