package org.settee.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The long fuzz run of the frame parser (ten minutes), started by {@code scripts/fuzz-long}. Its
 * name keeps it out of the suite: Jazzer fuzzes one test per run, and the suite has its own.
 */
class FrameParserFuzzLong {
  @FuzzTest(maxDuration = "10m")
  void fuzzFrameParserLong(byte[] input) {
    FrameParserFuzzTest.parseAll(input);
  }
}
