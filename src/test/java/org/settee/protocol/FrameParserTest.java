package org.settee.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cutting request frames out of a byte stream, and refusing the ones that cannot be trusted. */
class FrameParserTest {
  private static final int LIMIT = 1024;

  private final List<ByteBuf> buffers = new ArrayList<>();

  @AfterEach
  void releaseBuffers() {
    for (ByteBuf b : buffers) {
      assertThat(b.refCnt()).as("buffer leaked or over-released").isEqualTo(1);
      b.release();
    }
  }

  private ByteBuf buffer() {
    ByteBuf b = Unpooled.buffer();
    buffers.add(b);
    return b;
  }

  /** A classic header with every length chosen by the test (consistent or not). */
  private static void header(
      ByteBuf out, int magic, int keyLength, int extrasLength, long totalBody) {
    out.writeByte(magic);
    out.writeByte(Opcode.SET.code());
    out.writeShort(keyLength);
    out.writeByte(extrasLength);
    out.writeByte(Datatype.JSON);
    out.writeShort(42); // vBucket
    out.writeInt((int) totalBody);
    out.writeInt(0xcafe);
    out.writeLong(0x1122334455667788L);
  }

  private ByteBuf setFrame(String key, String value) {
    ByteBuf b = buffer();
    RequestWriter.set(b, 42, 0xcafe, 0x1122334455667788L, 7, 9, bytes(key), bytes(value));
    return b;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(US_ASCII);
  }

  private static String text(ByteBuf b) {
    return b.toString(US_ASCII);
  }

  @Test
  void parsesAWholeFrame() {
    ByteBuf in = setFrame("key", "value");
    Request r = FrameParser.parse(in, LIMIT);
    try {
      assertThat(r.magic()).isEqualTo(Magic.CLIENT_REQUEST);
      assertThat(r.opcode()).isEqualTo(Opcode.SET);
      assertThat(r.vbucket()).isEqualTo(42);
      assertThat(r.opaque()).isEqualTo(0xcafe);
      assertThat(r.cas()).isEqualTo(0x1122334455667788L);
      assertThat(r.datatype()).isEqualTo(Datatype.RAW);
      assertThat(r.framingExtrasLength()).isZero();
      assertThat(r.extrasLength()).isEqualTo(8);
      assertThat(r.extras().getInt(0)).isEqualTo(7);
      assertThat(r.extras().getInt(4)).isEqualTo(9);
      assertThat(new String(r.key(), US_ASCII)).isEqualTo("key");
      assertThat(r.valueLength()).isEqualTo(5);
      assertThat(text(r.value())).isEqualTo("value");
      assertThat(in.isReadable()).isFalse();
    } finally {
      r.release();
    }
  }

  @Test
  void anIncompleteHeaderIsNotConsumed() {
    ByteBuf whole = setFrame("key", "value");
    ByteBuf in = buffer().writeBytes(whole, 0, HeaderLayout.HEADER_LENGTH - 1);
    assertThat(FrameParser.parse(in, LIMIT)).isNull();
    assertThat(in.readerIndex()).isZero();
    assertThat(in.readableBytes()).isEqualTo(HeaderLayout.HEADER_LENGTH - 1);
  }

  @Test
  void anIncompleteBodyIsNotConsumed() {
    ByteBuf whole = setFrame("key", "value");
    for (int cut = HeaderLayout.HEADER_LENGTH; cut < whole.readableBytes(); cut++) {
      ByteBuf in = Unpooled.buffer().writeBytes(whole, 0, cut);
      try {
        assertThat(FrameParser.parse(in, LIMIT)).as("first %d bytes", cut).isNull();
        assertThat(in.readerIndex()).isZero();
      } finally {
        in.release();
      }
    }
  }

  @Test
  void framesComeOutOneAtATimeInOrder() {
    ByteBuf in = buffer();
    RequestWriter.get(in, 1, 1, bytes("a"));
    RequestWriter.get(in, 2, 2, bytes("bb"));
    RequestWriter.get(in, 3, 3, bytes("ccc"));
    int thirdLength = HeaderLayout.HEADER_LENGTH + 3;
    in.writerIndex(in.writerIndex() - 1); // the third is still arriving

    Request first = FrameParser.parse(in, LIMIT);
    Request second = FrameParser.parse(in, LIMIT);
    try {
      assertThat(first.opaque()).isEqualTo(1);
      assertThat(first.key()).isEqualTo(bytes("a"));
      assertThat(second.opaque()).isEqualTo(2);
      assertThat(second.vbucket()).isEqualTo(2);
      assertThat(second.key()).isEqualTo(bytes("bb"));
      assertThat(FrameParser.parse(in, LIMIT)).isNull();
      assertThat(in.readableBytes()).isEqualTo(thirdLength - 1);
    } finally {
      first.release();
      second.release();
    }
  }

  /**
   * The request holds a reference on the connection's buffer, which is what stops Netty's cumulator
   * from discarding or reusing the bytes under it until the request is released.
   */
  @Test
  void aRequestRetainsItsBytesUntilReleased() {
    ByteBuf in = setFrame("key", "value");
    Request r = FrameParser.parse(in, LIMIT);
    assertThat(in.refCnt()).isEqualTo(2);
    assertThat(text(r.value())).isEqualTo("value");
    r.release();
    assertThat(in.refCnt()).isEqualTo(1);
  }

  @Test
  void aWrongMagicIsRefused() {
    for (int magic : new int[] {0x00, 0x18, 0x82, 0xff, 'G'}) {
      ByteBuf in = Unpooled.buffer();
      header(in, magic, 0, 0, 0);
      try {
        assertThatThrownBy(() -> FrameParser.parse(in, LIMIT))
            .as("magic 0x%02x", magic)
            .isInstanceOf(MalformedFrameException.class)
            .hasMessageContaining("magic");
        assertThat(in.readerIndex()).isZero();
      } finally {
        in.release();
      }
    }
  }

  @Test
  void aServerResponseFrameIsAccepted() {
    ByteBuf in = buffer();
    header(in, 0x83, 0, 0, 0);
    Request r = FrameParser.parse(in, LIMIT);
    try {
      assertThat(r.magic()).isEqualTo(Magic.SERVER_RESPONSE);
    } finally {
      r.release();
    }
  }

  @Test
  void lengthsThatDisagreeAreRefusedBeforeTheBodyArrives() {
    ByteBuf in = buffer();
    header(in, 0x80, 10, 8, 17); // key 10 + extras 8 > body 17
    assertThatThrownBy(() -> FrameParser.parse(in, LIMIT))
        .isInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("lengths disagree");
    assertThat(in.readerIndex()).isZero();
  }

  @Test
  void lengthsThatAddUpExactlyLeaveAnEmptyValue() {
    ByteBuf in = buffer();
    header(in, 0x80, 10, 8, 18);
    in.writeZero(18);
    Request r = FrameParser.parse(in, LIMIT);
    try {
      assertThat(r.valueLength()).isZero();
      assertThat(r.keyLength()).isEqualTo(10);
    } finally {
      r.release();
    }
  }

  @Test
  void aBodyOverTheLimitIsRefusedFromTheHeaderAlone() {
    ByteBuf in = buffer();
    header(in, 0x80, 0, 0, LIMIT + 1);
    assertThatThrownBy(() -> FrameParser.parse(in, LIMIT))
        .isInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("over the limit");

    ByteBuf huge = buffer();
    header(huge, 0x80, 0, 0, 0xffffffffL); // 4 GiB: the length is unsigned
    assertThatThrownBy(() -> FrameParser.parse(huge, LIMIT))
        .isInstanceOf(MalformedFrameException.class);
  }

  @Test
  void aBodyAtTheLimitIsAwaited() {
    ByteBuf in = buffer();
    header(in, 0x80, 0, 0, LIMIT);
    assertThat(FrameParser.parse(in, LIMIT)).isNull();
    in.writeZero(LIMIT);
    Request r = FrameParser.parse(in, LIMIT);
    try {
      assertThat(r.valueLength()).isEqualTo(LIMIT);
    } finally {
      r.release();
    }
  }

  /**
   * With the largest possible limit a header announcing a 2 GiB body must still be either awaited
   * or refused: the frame length (header + body) must not overflow an int.
   */
  @Test
  void aBodyNearTwoGibibytesDoesNotOverflowTheFrameLength() {
    ByteBuf in = buffer();
    header(in, 0x80, 0, 0, Integer.MAX_VALUE);
    Request r;
    try {
      r = FrameParser.parse(in, Integer.MAX_VALUE);
    } catch (MalformedFrameException refused) {
      r = null;
    }
    assertThat(r).isNull();
    assertThat(in.readerIndex()).isZero();
  }

  @Test
  void flexibleFramingPutsFramingExtrasFirst() {
    // magic 0x08: byte 2 = framing extras length, byte 3 = key length
    ByteBuf in = buffer();
    byte[] framing = {0x50, 0x00}; // preserve TTL, barrier
    byte[] extras = {0, 0, 0, 1, 0, 0, 0, 2};
    in.writeByte(Magic.ALT_CLIENT_REQUEST.code());
    in.writeByte(Opcode.SET.code());
    in.writeByte(framing.length);
    in.writeByte(3);
    in.writeByte(extras.length);
    in.writeByte(0);
    in.writeShort(5);
    in.writeInt(framing.length + extras.length + 3 + 4);
    in.writeInt(77);
    in.writeLong(0);
    in.writeBytes(framing).writeBytes(extras).writeBytes(bytes("keyvalu"));

    Request r = FrameParser.parse(in, LIMIT);
    try {
      assertThat(r.magic()).isEqualTo(Magic.ALT_CLIENT_REQUEST);
      assertThat(r.framingExtrasLength()).isEqualTo(2);
      assertThat(ByteBufUtil.getBytes(r.framingExtras())).isEqualTo(framing);
      assertThat(ByteBufUtil.getBytes(r.extras())).isEqualTo(extras);
      assertThat(r.key()).isEqualTo(bytes("key"));
      assertThat(text(r.value())).isEqualTo("valu");
      assertThat(r.vbucket()).isEqualTo(5);
      assertThat(r.opaque()).isEqualTo(77);
      assertThat(FrameInfos.parse(r.framingExtras())).isEqualTo(new FrameInfos(true, true, 0));
    } finally {
      r.release();
    }
  }

  @Test
  void flexibleFramingLengthsMustAddUp() {
    ByteBuf in = buffer();
    in.writeByte(Magic.ALT_CLIENT_REQUEST.code());
    in.writeByte(Opcode.GET.code());
    in.writeByte(4); // framing extras
    in.writeByte(3); // key
    in.writeByte(0);
    in.writeByte(0);
    in.writeShort(0);
    in.writeInt(6); // < 4 + 3
    in.writeInt(0);
    in.writeLong(0);
    assertThatThrownBy(() -> FrameParser.parse(in, LIMIT))
        .isInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("framing extras 4");
  }
}
