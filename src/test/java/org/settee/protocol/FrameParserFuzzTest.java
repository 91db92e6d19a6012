package org.settee.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Fuzzes the frame parser with arbitrary bytes: it must cut whole frames or ask for more, or refuse
 * with {@link MalformedFrameException}; never another exception, never a frame that claims bytes it
 * does not have, never a leaked buffer. The suite fuzzes for a short while (the pom sets
 * JAZZER_FUZZ); {@code scripts/fuzz-long} runs {@link FrameParserFuzzLong} for minutes.
 */
class FrameParserFuzzTest {
  private static final int LIMIT = 64 * 1024;

  @FuzzTest(maxDuration = "20s")
  void fuzzFrameParser(byte[] input) {
    parseAll(input);
  }

  static void parseAll(byte[] input) {
    ByteBuf in = Unpooled.wrappedBuffer(input);
    try {
      while (true) {
        int before = in.readerIndex();
        Request request;
        try {
          request = FrameParser.parse(in, LIMIT);
        } catch (MalformedFrameException expected) {
          assertThat(in.readerIndex()).isEqualTo(before);
          return;
        }
        if (request == null) {
          assertThat(in.readerIndex()).isEqualTo(before);
          return;
        }
        try {
          int consumed = in.readerIndex() - before;
          assertThat(consumed)
              .isEqualTo(
                  HeaderLayout.HEADER_LENGTH
                      + request.framingExtrasLength()
                      + request.extrasLength()
                      + request.keyLength()
                      + request.valueLength());
          assertThat(request.key()).hasSize(request.keyLength());
          assertThat(request.value().readableBytes()).isEqualTo(request.valueLength());
          if (request.magic() == Magic.ALT_CLIENT_REQUEST) {
            try {
              FrameInfos.parse(request.framingExtras());
            } catch (FrameInfos.FrameInfoException refused) {
              assertThat(refused.status()).isNotNull();
            }
          }
        } finally {
          request.release();
        }
      }
    } finally {
      assertThat(in.refCnt()).isEqualTo(1);
      in.release();
    }
  }
}
