package org.settee.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.settee.protocol.HeaderLayout;
import org.settee.protocol.MalformedFrameException;
import org.settee.protocol.Opcode;
import org.settee.protocol.RequestWriter;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;

/**
 * One bench connection: keeps exactly {@code pipeline} requests in flight, sending a follow-up for
 * every answer, and counts what comes back. Everything runs on the connection's event loop; the
 * runner's commands ({@link #populate}, {@link #startLoad}, ...) must be called there too.
 *
 * <p>Each in-flight request owns a slot, and its opaque is the slot's index: an answer frees its
 * slot and the follow-up reuses it, so a slot's send time and opcode are all the bookkeeping
 * needed, whatever order the server answers in.
 */
final class BenchConnection extends ByteToMessageDecoder {
  /** Handshake requests use opaques no slot has, so a stray answer is recognised. */
  private static final int SASL_OPAQUE = -1;

  private static final int SELECT_BUCKET_OPAQUE = -2;
  private static final int FREE = -1;
  private static final int MAX_BODY_LENGTH = ResponseFrame.DEFAULT_MAX_BODY_LENGTH;

  private final BenchConfig config;
  private final String peer;
  private final ConnectionStats stats = new ConnectionStats();
  private final RequestMix mix;
  private final long[] sentAt;
  private final int[] slotOpcode;
  private final boolean[] slotMeasured;
  private final CompletableFuture<BenchFailure> failure;

  private Phase phase = Phase.CONNECTING;
  private ChannelHandlerContext ctx;

  /** Requests written since the last flush: sent in one write per read batch. */
  private ByteBuf batch;

  private int inFlight;
  private int handshakeAnswersDue;
  private long populateNext;
  private long populateStride;

  /** Measured requests this connection may still send (Long.MAX_VALUE for a timed run). */
  private long quota;

  /** The runner's future for the step under way; completed when the step ends. */
  private CompletableFuture<Void> step;

  /**
   * @param ready completed once the handshake succeeded
   * @param failure shared by all connections of a run: the first failure completes it
   */
  BenchConnection(
      BenchConfig config,
      long seed,
      CompletableFuture<Void> ready,
      CompletableFuture<BenchFailure> failure) {
    this.config = config;
    this.peer = config.host() + ":" + config.port();
    this.mix = new RequestMix(config, seed);
    this.sentAt = new long[config.pipeline()];
    this.slotOpcode = new int[config.pipeline()];
    Arrays.fill(slotOpcode, FREE);
    this.slotMeasured = new boolean[config.pipeline()];
    this.failure = failure;
    this.step = ready;
  }

  ConnectionStats stats() {
    return stats;
  }

  /** Starts SETting keys {@code first}, {@code first + stride}, ... once each. */
  void populate(long first, long stride, CompletableFuture<Void> done) {
    transition(Phase.POPULATING);
    step = done;
    populateNext = first;
    populateStride = stride;
    fillSlots();
  }

  /**
   * Starts random GETs and SETs.
   *
   * @param measure whether to measure from the start (no warm-up)
   * @param quota measured requests to send before draining (Long.MAX_VALUE: until {@link #stop})
   * @param done completed when the measured requests are all answered
   */
  void startLoad(boolean measure, long quota, CompletableFuture<Void> done) {
    transition(measure ? Phase.MEASURING : Phase.WARMING_UP);
    this.quota = quota;
    step = done;
    if (measure && quota == 0) {
      drain();
    }
    fillSlots();
  }

  /** Ends the warm-up: requests sent from now on are measured. */
  void startMeasuring() {
    transition(Phase.MEASURING);
    if (quota == 0) {
      drain();
      if (inFlight == 0) {
        onIdle();
      }
    }
  }

  /** Ends a timed run: nothing more is sent, the step completes when the last answer is in. */
  void stop() {
    if (phase == Phase.MEASURING) {
      drain();
      if (inFlight == 0) {
        onIdle();
      }
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    super.handlerAdded(ctx);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    super.channelActive(ctx);
    if (config.username() == null && config.bucket() == null) {
      transition(Phase.IDLE);
      step.complete(null);
      return;
    }
    transition(Phase.HANDSHAKING);
    ByteBuf out = batch();
    // Pipelined as the SDK does: SELECT_BUCKET goes right behind SASL_AUTH.
    if (config.username() != null) {
      String password = config.password() == null ? "" : config.password();
      RequestWriter.saslAuthPlain(out, SASL_OPAQUE, config.username(), password);
      handshakeAnswersDue++;
    }
    if (config.bucket() != null) {
      RequestWriter.selectBucket(out, SELECT_BUCKET_OPAQUE, config.bucket());
      handshakeAnswersDue++;
    }
    flush();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (phase == Phase.FAILED) {
      in.skipBytes(in.readableBytes());
      return;
    }
    // One clock read per read batch: the answers in it arrived together, and their follow-ups
    // leave together at the batch's flush.
    long now = System.nanoTime();
    int frameLength;
    while ((frameLength = ResponseFrame.readableFrameLength(in, MAX_BODY_LENGTH)) >= 0) {
      int start = in.readerIndex();
      int opcode = in.getUnsignedByte(start + HeaderLayout.OPCODE);
      int status = in.getUnsignedShort(start + HeaderLayout.STATUS);
      int opaque = in.getInt(start + HeaderLayout.OPAQUE);
      in.skipBytes(frameLength);
      if (phase == Phase.HANDSHAKING) {
        onHandshakeAnswer(opcode, status, opaque);
      } else {
        onAnswer(opcode, status, opaque, now);
      }
      if (phase == Phase.FAILED) {
        in.skipBytes(in.readableBytes());
        return;
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    flush();
    stats.publish();
    super.channelReadComplete(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (phase != Phase.FINISHED && phase != Phase.FAILED) {
      fail(new BenchFailure("the server at " + peer + " closed the connection while " + doing()));
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable reason =
        cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (reason instanceof IOException) {
      // Reset or broken pipe: the server went away, which is what the person needs to know.
      fail(
          new BenchFailure(
              "the server at "
                  + peer
                  + " closed the connection while "
                  + doing()
                  + " ("
                  + reason.getMessage()
                  + ")",
              reason));
    } else if (reason instanceof MalformedFrameException) {
      fail(
          new BenchFailure(
              "the server at "
                  + peer
                  + " sent garbage while "
                  + doing()
                  + ": "
                  + reason.getMessage(),
              reason));
    } else {
      fail(
          new BenchFailure(
              "connection to " + peer + " failed while " + doing() + ": " + reason, reason));
    }
  }

  private void onHandshakeAnswer(int opcode, int status, int opaque) {
    if (status != Status.SUCCESS.code()) {
      String what =
          opaque == SASL_OPAQUE
              ? "authentication as '" + config.username() + "' (SASL PLAIN)"
              : opaque == SELECT_BUCKET_OPAQUE
                  ? "selecting bucket '" + config.bucket() + "'"
                  : String.format("handshake request 0x%02x", opcode);
      fail(new BenchFailure(what + " failed at " + peer + ": " + describe(status)));
      return;
    }
    if (--handshakeAnswersDue == 0) {
      transition(Phase.IDLE);
      step.complete(null);
    }
  }

  private void onAnswer(int opcode, int status, int opaque, long now) {
    if (opaque < 0 || opaque >= slotOpcode.length || slotOpcode[opaque] != opcode) {
      fail(
          new BenchFailure(
              String.format(
                  "the server at %s answered a request that was not sent (opcode 0x%02x,"
                      + " opaque %d) while %s",
                  peer, opcode, opaque, doing())));
      return;
    }
    slotOpcode[opaque] = FREE;
    inFlight--;
    stats.answered++;
    if (phase == Phase.POPULATING) {
      if (status != Status.SUCCESS.code()) {
        stats.populateErrors++;
      }
    } else if (slotMeasured[opaque]) {
      stats.record(opcode, status, now - sentAt[opaque], now);
    }
    send(opaque, now);
    if (inFlight == 0) {
      onIdle();
    }
  }

  /** Sends what the phase calls for next, if anything, from the free {@code slot}. */
  private void send(int slot, long now) {
    switch (phase) {
      case POPULATING -> {
        if (populateNext < config.keys()) {
          mix.writeSet(batch(), slot, populateNext);
          occupy(slot, Opcode.SET, now, false);
          populateNext += populateStride;
        }
      }
      case WARMING_UP -> occupy(slot, mix.writeRandom(batch(), slot), now, false);
      case MEASURING -> {
        if (quota > 0) {
          occupy(slot, mix.writeRandom(batch(), slot), now, true);
          if (--quota == 0) {
            drain();
          }
        }
      }
      default -> {}
    }
  }

  private void occupy(int slot, Opcode op, long now, boolean measured) {
    slotOpcode[slot] = op.code();
    sentAt[slot] = now;
    slotMeasured[slot] = measured;
    inFlight++;
  }

  /** Starts a step: every free slot sends, then the batch goes out in one write. */
  private void fillSlots() {
    long now = System.nanoTime();
    for (int slot = 0; slot < slotOpcode.length && phase != Phase.DRAINING; slot++) {
      if (slotOpcode[slot] == FREE) {
        send(slot, now);
      }
    }
    flush();
    if (inFlight == 0) {
      onIdle();
    }
  }

  private void drain() {
    transition(Phase.DRAINING);
  }

  /** Nothing in flight: the step under way may be over. */
  private void onIdle() {
    switch (phase) {
      case POPULATING -> {
        transition(Phase.IDLE);
        step.complete(null);
      }
      case DRAINING -> {
        transition(Phase.FINISHED);
        step.complete(null);
      }
      default -> {}
    }
  }

  private ByteBuf batch() {
    if (batch == null) {
      batch = ctx.alloc().ioBuffer();
    }
    return batch;
  }

  private void flush() {
    if (batch != null) {
      ByteBuf out = batch;
      batch = null;
      ctx.writeAndFlush(out, ctx.voidPromise());
    }
  }

  private void fail(BenchFailure cause) {
    if (phase == Phase.FAILED || phase == Phase.FINISHED) {
      // Nothing left to fail: the runner already has (or no longer needs) this connection.
      ctx.close();
      return;
    }
    transition(Phase.FAILED);
    failure.complete(cause);
    step.completeExceptionally(cause);
    if (batch != null) {
      batch.release();
      batch = null;
    }
    ctx.close();
  }

  private void transition(Phase next) {
    if (!phase.next().contains(next)) {
      throw new IllegalStateException("phase: " + phase + ", cannot move to " + next);
    }
    phase = next;
  }

  private String doing() {
    return phase.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  private static String describe(int status) {
    Status known = Status.of(status);
    return known == null
        ? String.format("status 0x%02x", status)
        : String.format("%s (0x%02x, %s)", known, status, known.description());
  }
}
