package org.settee.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestWriterTest {
  private final ByteBuf out = Unpooled.buffer();

  @AfterEach
  void release() {
    out.release();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Parses what was written with the server's own parser: the two sides must agree. */
  private Request parse() {
    Request request = FrameParser.parse(out, 1 << 20);
    assertThat(request).isNotNull();
    assertThat(out.isReadable()).as("exactly one frame was written").isFalse();
    return request;
  }

  @Test
  void getIsTheClassicHeaderFollowedByTheKey() {
    RequestWriter.get(out, 528, 0x01020304, bytes("hello"));

    assertThat(ByteBufUtil.hexDump(out))
        .isEqualTo(
            "80" // magic
                + "00" // opcode GET
                + "0005" // key length
                + "00" // extras length
                + "00" // datatype
                + "0210" // vBucket 528
                + "00000005" // total body
                + "01020304" // opaque
                + "0000000000000000" // CAS
                + "68656c6c6f"); // "hello"
  }

  @Test
  void setCarriesFlagsAndExpiryAsExtras() {
    RequestWriter.set(out, 7, 42, 99L, 0xcafe, 3600, bytes("k"), bytes("value"));

    Request r = parse();
    try {
      assertThat(r.magic()).isEqualTo(Magic.CLIENT_REQUEST);
      assertThat(r.opcode()).isEqualTo(Opcode.SET);
      assertThat(r.vbucket()).isEqualTo(7);
      assertThat(r.opaque()).isEqualTo(42);
      assertThat(r.cas()).isEqualTo(99L);
      assertThat(r.extrasLength()).isEqualTo(8);
      assertThat(r.extras().getInt(0)).isEqualTo(0xcafe);
      assertThat(r.extras().getInt(4)).isEqualTo(3600);
      assertThat(r.key()).isEqualTo(bytes("k"));
      assertThat(r.valueBytes()).isEqualTo(bytes("value"));
    } finally {
      r.release();
    }
  }

  @Test
  void genericWriteRoundTripsEverySection() {
    byte[] extras = {1, 2, 3, 4};
    byte[] key = {0, (byte) 0xff, 'k'};
    byte[] value = new byte[300];
    value[299] = 9;
    RequestWriter.write(out, Opcode.GAT, 1023, -5, Long.MIN_VALUE, extras, key, value);

    Request r = parse();
    try {
      assertThat(r.opcode()).isEqualTo(Opcode.GAT);
      assertThat(r.vbucket()).isEqualTo(1023);
      assertThat(r.opaque()).isEqualTo(-5);
      assertThat(r.cas()).isEqualTo(Long.MIN_VALUE);
      assertThat(ByteBufUtil.getBytes(r.extras())).isEqualTo(extras);
      assertThat(r.key()).isEqualTo(key);
      assertThat(r.valueBytes()).isEqualTo(value);
    } finally {
      r.release();
    }
  }

  @Test
  void rawWriteSendsOpcodesAndDatatypesSetteeDoesNotName() {
    RequestWriter.write(out, 0xee, Datatype.JSON, 0, 1, 0, new byte[0], bytes("k"), bytes("{}"));

    Request r = parse();
    try {
      assertThat(r.opcodeByte()).isEqualTo(0xee);
      assertThat(r.opcode()).isNull();
      assertThat(r.datatype()).isEqualTo(Datatype.JSON);
    } finally {
      r.release();
    }
  }

  @Test
  void saslPlainSendsAnEmptyAuthzidThenUserAndPassword() {
    RequestWriter.saslAuthPlain(out, 3, "Administrator", "pässword");

    Request r = parse();
    try {
      assertThat(r.opcode()).isEqualTo(Opcode.SASL_AUTH);
      assertThat(r.vbucket()).isZero();
      assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("PLAIN");
      assertThat(r.valueBytes()).isEqualTo(bytes("\0Administrator\0pässword"));
    } finally {
      r.release();
    }
  }

  @Test
  void selectBucketNamesTheBucketInTheKey() {
    RequestWriter.selectBucket(out, 4, "travel-sample");

    Request r = parse();
    try {
      assertThat(r.opcode()).isEqualTo(Opcode.SELECT_BUCKET);
      assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("travel-sample");
      assertThat(r.valueLength()).isZero();
      assertThat(r.extrasLength()).isZero();
    } finally {
      r.release();
    }
  }

  @Test
  void helloListsTheFeaturesAsU16Codes() {
    RequestWriter.hello(out, 5, "settee-test", Feature.XERROR, Feature.COLLECTIONS);

    Request r = parse();
    try {
      assertThat(r.opcode()).isEqualTo(Opcode.HELLO);
      assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("settee-test");
      assertThat(r.valueBytes()).containsExactly(0x00, 0x07, 0x00, 0x12);
    } finally {
      r.release();
    }
  }

  @Test
  void refusesLengthsTheClassicHeaderCannotCarry() {
    assertThatThrownBy(() -> RequestWriter.get(out, 0, 0, new byte[0x10000]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                RequestWriter.write(
                    out, Opcode.SET, 0, 0, 0, new byte[256], new byte[1], new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(out.readableBytes()).as("nothing half-written").isZero();
  }
}
