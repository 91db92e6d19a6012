package org.settee.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Parsing the frame infos of flexible framing extras, and the status each refusal answers. */
class FrameInfosTest {
  private static FrameInfos parse(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return FrameInfos.parse(Unpooled.wrappedBuffer(b));
  }

  private static Status refusal(int... bytes) {
    FrameInfos.FrameInfoException e =
        catchThrowableOfType(FrameInfos.FrameInfoException.class, () -> parse(bytes));
    assertThat(e).as("frame infos should be refused").isNotNull();
    return e.status();
  }

  @Test
  void noFrameInfosIsNone() {
    assertThat(parse()).isSameAs(FrameInfos.NONE);
  }

  @Test
  void preserveTtl() {
    FrameInfos infos = parse(0x50);
    assertThat(infos.preserveTtl()).isTrue();
    assertThat(infos.barrier()).isFalse();
  }

  @Test
  void barrierAndPreserveTtlTogether() {
    assertThat(parse(0x00, 0x50)).isEqualTo(new FrameInfos(true, true, 0));
  }

  @Test
  void preserveTtlWithDataIsInvalid() {
    assertThat(refusal(0x51, 0x00)).isEqualTo(Status.EINVAL);
  }

  @Test
  void unknownIdsAreUnknownFrameInfo() {
    assertThat(refusal(0x30)).isEqualTo(Status.UNKNOWN_FRAME_INFO); // 3 is unused
    assertThat(refusal(0x60)).isEqualTo(Status.UNKNOWN_FRAME_INFO);
    assertThat(refusal(0xe1, 0x00)).isEqualTo(Status.UNKNOWN_FRAME_INFO);
  }

  @Test
  void anEscapedIdAddsTheNextByteToFifteen() {
    FrameInfos.FrameInfoException e =
        catchThrowableOfType(FrameInfos.FrameInfoException.class, () -> parse(0xf0, 0x02));
    assertThat(e.status()).isEqualTo(Status.UNKNOWN_FRAME_INFO);
    assertThat(e).hasMessageContaining("17");
  }

  @Test
  void anEscapedLengthAddsTheNextByteToFifteen() {
    // id 3 (unknown) with length 15 + 1 = 16: refused for its id only once all 16 bytes are there
    int[] frame = new int[2 + 16];
    frame[0] = 0x3f;
    frame[1] = 0x01;
    assertThat(refusal(frame)).isEqualTo(Status.UNKNOWN_FRAME_INFO);
    int[] short1 = new int[2 + 15];
    short1[0] = 0x3f;
    short1[1] = 0x01;
    assertThat(refusal(short1)).isEqualTo(Status.EINVAL);
  }

  @Test
  void bothEscapesInOrderIdFirst() {
    // id 15 + 0 = 15, length 15 + 0 = 15, then 15 data bytes
    int[] frame = new int[3 + 15];
    frame[0] = 0xff;
    frame[1] = 0x00;
    frame[2] = 0x00;
    FrameInfos.FrameInfoException e =
        catchThrowableOfType(FrameInfos.FrameInfoException.class, () -> parse(frame));
    assertThat(e.status()).isEqualTo(Status.UNKNOWN_FRAME_INFO);
    assertThat(e).hasMessageContaining("15");
  }

  @Test
  void truncatedEscapesAreInvalid() {
    assertThat(refusal(0xf0)).isEqualTo(Status.EINVAL);
    assertThat(refusal(0x5f)).isEqualTo(Status.EINVAL);
    assertThat(refusal(0xff, 0x00)).isEqualTo(Status.EINVAL);
  }

  @Test
  void dataLongerThanTheFramingExtrasIsInvalid() {
    assertThat(refusal(0x13, 0x01)).isEqualTo(Status.EINVAL);
    assertThat(refusal(0x50, 0x02)).isEqualTo(Status.EINVAL);
  }

  @Test
  void durabilityIsNotSupportedButMalformedDurabilityIsInvalid() {
    assertThat(refusal(0x11, 0x01)).isEqualTo(Status.NOT_SUPPORTED);
    assertThat(refusal(0x13, 0x01, 0x00, 0x64)).isEqualTo(Status.NOT_SUPPORTED);
    assertThat(refusal(0x10)).isEqualTo(Status.EINVAL);
    assertThat(refusal(0x12, 0x01, 0x00)).isEqualTo(Status.EINVAL);
  }

  @Test
  void streamIdOutsideDcpIsInvalidAndImpersonationNotSupported() {
    assertThat(refusal(0x22, 0x00, 0x01)).isEqualTo(Status.EINVAL);
    assertThat(refusal(0x43, 'b', 'o', 'b')).isEqualTo(Status.NOT_SUPPORTED);
  }

  @Test
  void aLaterBadInfoRefusesTheWholeSet() {
    assertThat(refusal(0x50, 0x30)).isEqualTo(Status.UNKNOWN_FRAME_INFO);
  }
}
