package org.settee.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.settee.protocol.FrameParser;
import org.settee.protocol.Opcode;
import org.settee.protocol.Request;

class RequestMixTest {
  private static BenchConfig config(double getRatio, int valueSize, long keys) {
    return new BenchConfig(
        "127.0.0.1",
        11210,
        1,
        1,
        getRatio,
        valueSize,
        keys,
        Duration.ofSeconds(1),
        0,
        null,
        null,
        null,
        1024,
        true,
        Duration.ZERO);
  }

  @Test
  void writesGetsAndSetsInTheConfiguredRatioOverTheKeySpace() {
    RequestMix mix = new RequestMix(config(0.8, 10, 20), 42);
    ByteBuf out = Unpooled.buffer();
    VBucketHash hash = new VBucketHash(1024);
    Set<String> keys = new HashSet<>();
    int gets = 0;
    try {
      for (int i = 0; i < 10_000; i++) {
        Opcode written = mix.writeRandom(out, i);
        Request r = FrameParser.parse(out, 1 << 20);
        try {
          assertThat(r.opcode()).isEqualTo(written);
          assertThat(r.opaque()).isEqualTo(i);
          assertThat(r.vbucket()).isEqualTo(hash.vbucket(r.key(), r.key().length));
          keys.add(new String(r.key(), StandardCharsets.US_ASCII));
          if (written == Opcode.GET) {
            gets++;
            assertThat(r.extrasLength()).isZero();
            assertThat(r.valueLength()).isZero();
          } else {
            assertThat(r.extrasLength()).isEqualTo(8);
            assertThat(r.valueLength()).isEqualTo(10);
          }
        } finally {
          r.release();
        }
      }
    } finally {
      out.release();
    }
    assertThat(gets).isBetween(7_700, 8_300);
    assertThat(keys).hasSize(20).allMatch(k -> k.matches("key-1?[0-9]"));
  }

  @Test
  void extremeRatiosWriteOnlyOneKind() {
    ByteBuf out = Unpooled.buffer();
    try {
      RequestMix allGets = new RequestMix(config(1.0, 0, 5), 1);
      RequestMix allSets = new RequestMix(config(0.0, 0, 5), 1);
      for (int i = 0; i < 1_000; i++) {
        assertThat(allGets.writeRandom(out, i)).isEqualTo(Opcode.GET);
        assertThat(allSets.writeRandom(out, i)).isEqualTo(Opcode.SET);
      }
    } finally {
      out.release();
    }
  }
}
