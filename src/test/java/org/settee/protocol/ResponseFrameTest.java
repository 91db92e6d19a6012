package org.settee.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResponseFrameTest {
  private static final byte[] EMPTY = new byte[0];
  private final ByteBuf in = Unpooled.buffer();

  @AfterEach
  void release() {
    in.release();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void parsesWhatTheServerWrites() {
    byte[] flags = {0, 0, 0, 1};
    Response.write(
        in,
        Opcode.GETK.code(),
        Status.SUCCESS,
        77,
        123L,
        Datatype.JSON,
        flags,
        bytes("k"),
        bytes("{}"));

    ResponseFrame f = ResponseFrame.parse(in);

    assertThat(f).isNotNull();
    assertThat(in.isReadable()).isFalse();
    assertThat(f.magic()).isEqualTo(Magic.CLIENT_RESPONSE);
    assertThat(f.opcode()).isEqualTo(Opcode.GETK);
    assertThat(f.status()).isEqualTo(Status.SUCCESS);
    assertThat(f.isSuccess()).isTrue();
    assertThat(f.opaque()).isEqualTo(77);
    assertThat(f.cas()).isEqualTo(123L);
    assertThat(f.datatype()).isEqualTo(Datatype.JSON);
    assertThat(f.framingExtras()).isEmpty();
    assertThat(f.extras()).isEqualTo(flags);
    assertThat(f.key()).isEqualTo(bytes("k"));
    assertThat(f.value()).isEqualTo(bytes("{}"));
  }

  @Test
  void keepsStatusCodesSetteeDoesNotName() {
    Response.writeHeader(in, Opcode.GET.code(), Status.SUCCESS, 1, 0, 0, 0, 0, 0);
    in.setShort(HeaderLayout.STATUS, 0x00ff);

    ResponseFrame f = ResponseFrame.parse(in);

    assertThat(f.statusCode()).isEqualTo(0xff);
    assertThat(f.status()).isNull();
    assertThat(f.isSuccess()).isFalse();
  }

  @Test
  void returnsNullUntilTheWholeFrameIsThereAndConsumesNothing() {
    ByteBuf whole = Unpooled.buffer();
    Response.write(
        whole, Opcode.GET.code(), Status.KEY_ENOENT, 9, 0, 0, EMPTY, EMPTY, bytes("Not found"));
    try {
      while (whole.readableBytes() > 1) {
        in.writeByte(whole.readByte());
        assertThat(ResponseFrame.parse(in)).isNull();
        assertThat(in.readerIndex()).isZero();
      }
      in.writeByte(whole.readByte());
      ResponseFrame f = ResponseFrame.parse(in);
      assertThat(f.status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(f.value()).isEqualTo(bytes("Not found"));
    } finally {
      whole.release();
    }
  }

  @Test
  void parsesBackToBackFramesOneAtATime() {
    Response.writeStatus(in, Opcode.SET.code(), Status.SUCCESS, 1, 10);
    Response.writeStatus(in, Opcode.SET.code(), Status.ETMPFAIL, 2, 0);

    assertThat(ResponseFrame.parse(in).opaque()).isEqualTo(1);
    ResponseFrame second = ResponseFrame.parse(in);
    assertThat(second.opaque()).isEqualTo(2);
    assertThat(second.status()).isEqualTo(Status.ETMPFAIL);
    assertThat(ResponseFrame.parse(in)).isNull();
  }

  @Test
  void parsesFlexibleFramingResponses() {
    // magic 0x18: byte 2 = framing extras length, byte 3 = key length.
    byte[] framing = {0x02, 0x12, 0x34}; // frame id 0 (server duration), 2 bytes
    in.writeByte(Magic.ALT_CLIENT_RESPONSE.code());
    in.writeByte(Opcode.GET.code());
    in.writeByte(framing.length);
    in.writeByte(1); // key length
    in.writeByte(4); // extras length
    in.writeByte(Datatype.RAW);
    in.writeShort(Status.SUCCESS.code());
    in.writeInt(framing.length + 4 + 1 + 2);
    in.writeInt(5);
    in.writeLong(6);
    in.writeBytes(framing);
    in.writeInt(0xf1a9);
    in.writeBytes(bytes("k"));
    in.writeBytes(bytes("vv"));

    ResponseFrame f = ResponseFrame.parse(in);

    assertThat(f.magic()).isEqualTo(Magic.ALT_CLIENT_RESPONSE);
    assertThat(f.framingExtras()).isEqualTo(framing);
    assertThat(f.extras()).containsExactly(0, 0, 0xf1, 0xa9);
    assertThat(f.key()).isEqualTo(bytes("k"));
    assertThat(f.value()).isEqualTo(bytes("vv"));
    assertThat(in.isReadable()).isFalse();
  }

  @Test
  void refusesARequestMagic() {
    Response.writeStatus(in, 0, Status.SUCCESS, 0, 0);
    in.setByte(HeaderLayout.MAGIC, Magic.CLIENT_REQUEST.code());

    assertThatThrownBy(() -> ResponseFrame.parse(in))
        .isInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("0x80");
  }

  @Test
  void refusesLengthsThatDoNotAddUp() {
    Response.writeHeader(in, 0, Status.SUCCESS, 0, 0, 0, 4, 10, 0);
    in.setInt(HeaderLayout.TOTAL_BODY_LENGTH, 5); // extras 4 + key 10 > 5

    assertThatThrownBy(() -> ResponseFrame.parse(in))
        .isInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("disagree");
  }

  @Test
  void refusesAnOversizedBodyBeforeBufferingIt() {
    Response.writeHeader(in, 0, Status.SUCCESS, 0, 0, 0, 0, 0, 0);
    in.setInt(HeaderLayout.TOTAL_BODY_LENGTH, 0xffffffff);

    assertThatThrownBy(() -> ResponseFrame.parse(in))
        .isInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("over the limit");
    assertThatThrownBy(() -> ResponseFrame.parse(in, 100))
        .isInstanceOf(MalformedFrameException.class);
  }

  @Test
  void readableFrameLengthPeeksWithoutConsuming() {
    Response.write(
        in, Opcode.GET.code(), Status.SUCCESS, 1, 0, 0, new byte[4], EMPTY, new byte[100]);

    assertThat(ResponseFrame.readableFrameLength(in, 1000)).isEqualTo(24 + 104);
    assertThat(in.readerIndex()).isZero();
    in.writerIndex(in.writerIndex() - 1);
    assertThat(ResponseFrame.readableFrameLength(in, 1000)).isEqualTo(-1);
  }
}
