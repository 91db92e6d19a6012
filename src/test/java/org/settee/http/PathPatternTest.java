package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PathPatternTest {
  @Test
  void emptySegmentsDoNotCountSoTrailingSlashesAreTheSameResource() {
    assertThat(PathPattern.decode("/pools/default/")).containsExactly("pools", "default");
    assertThat(PathPattern.decode("//pools//default")).containsExactly("pools", "default");
    assertThat(PathPattern.decode("/")).isEmpty();
  }

  @Test
  void segmentsArePercentDecodedAfterSplittingAndKeepTheirPlus() {
    assertThat(PathPattern.decode("/a%2Fb/c+d/%25")).containsExactly("a/b", "c+d", "%");
    assertThat(PathPattern.decode("/caf%C3%A9")).containsExactly("café");
    assertThat(PathPattern.decode("/bad%zz")).isNull();
    assertThat(PathPattern.decode("/cut%2")).isNull();
    assertThat(PathPattern.decode("/notutf8%C3")).isNull();
  }

  @Test
  void parametersCaptureWholeSegments() {
    PathPattern p = PathPattern.of("/pools/default/buckets/{bucket}/controller/doFlush");
    assertThat(p.match(List.of("pools", "default", "buckets", "b", "controller", "doFlush")))
        .isEqualTo(Map.of("bucket", "b"));
    assertThat(p.match(List.of("pools", "default", "buckets", "b", "controller"))).isNull();
    assertThat(p.match(List.of("pools", "default", "buckets", "b", "controller", "x"))).isNull();
  }
}
