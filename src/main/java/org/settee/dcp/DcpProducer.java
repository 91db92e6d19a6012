package org.settee.dcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.settee.kv.Bucket;
import org.settee.kv.Item;
import org.settee.kv.VBucket;
import org.settee.net.Connection;
import org.settee.net.ConnectionRole;
import org.settee.protocol.Datatype;
import org.settee.protocol.Opcode;
import org.settee.protocol.Request;
import org.settee.protocol.Status;
import org.settee.storage.BucketStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer side of one DCP connection: its streams (one per vBucket), flow control, noops, and
 * the pump that writes what streams have ready while the client can take it.
 *
 * <p>Everything here runs on the connection's event loop, the one owner; other threads (writers
 * waking a stream, backfill chunks) post tasks to it. Closing all streams therefore never runs
 * twice at once, and is idempotent: whoever asks (the client, a disconnect, a bucket shutdown) and
 * however often (the seed 004 bug was two threads closing one producer's streams together).
 */
public final class DcpProducer implements ConnectionRole {
  private static final Logger LOG = LoggerFactory.getLogger(DcpProducer.class);

  /** What one pump step writes before it yields the loop to other connections. */
  private static final long STEP_BYTES = 512 * 1024;

  /** Open scans per connection: bounds the memory backfills hold (two chunks each). */
  private static final int MAX_ACTIVE_BACKFILLS = 2;

  /** Noop opaques start high, clear of the client's own opaques (as kv_engine does). */
  private static final int FIRST_NOOP_OPAQUE = 10_000_000;

  private final Connection connection;
  private final Bucket bucket;
  private final BucketStorage storage;
  private final Executor backfillExecutor;
  private final DcpConnections registry;
  private final String name;
  private final OpenFlags flags;
  private final EventLoop loop;
  private final Map<Integer, ActiveStream> streams = new HashMap<>();
  private final ArrayDeque<ActiveStream> ready = new ArrayDeque<>();
  private final ArrayDeque<ActiveStream> backfillQueue = new ArrayDeque<>();
  private final Set<ActiveStream> backfilling = new HashSet<>();
  private final DcpControls controls = new DcpControls();
  private boolean stepScheduled;
  private boolean closed;

  /** Flow control: bytes sent and not yet acknowledged. */
  private long unacked;

  private long itemsSent;
  private long bytesSent;
  private final long createdSeconds = System.currentTimeMillis() / 1000;

  /** The loop's counters, published for the stats (read from any thread) after each step. */
  private final AtomicLong publishedItems = new AtomicLong();

  private final AtomicLong publishedBytes = new AtomicLong();
  private final AtomicLong publishedUnacked = new AtomicLong();
  private volatile int publishedBackfills;
  private volatile int publishedQueuedBackfills;
  private volatile List<ActiveStream> streamView = List.of();

  private ScheduledFuture<?> noopTimer;
  private long noopTimerInterval;
  private boolean noopOutstanding;
  private int nextNoopOpaque = FIRST_NOOP_OPAQUE;

  DcpProducer(
      Connection connection,
      Bucket bucket,
      BucketStorage storage,
      Executor backfillExecutor,
      DcpConnections registry,
      String name,
      OpenFlags flags) {
    this.connection = connection;
    this.bucket = bucket;
    this.storage = storage;
    this.backfillExecutor = backfillExecutor;
    this.registry = registry;
    this.name = name;
    this.flags = flags;
    this.loop = connection.channel().eventLoop();
  }

  public String name() {
    return name;
  }

  Connection connection() {
    return connection;
  }

  public Bucket bucket() {
    return bucket;
  }

  BucketStorage storage() {
    return storage;
  }

  Executor backfillExecutor() {
    return backfillExecutor;
  }

  public DcpControls controls() {
    return controls;
  }

  public OpenFlags flags() {
    return flags;
  }

  /** The streams open now (stats, tests). */
  public int streamCount() {
    return streams.size();
  }

  public boolean isClosed() {
    return closed;
  }

  /** What {@code stats dcp} shows of this connection: published by the loop, readable anywhere. */
  record Stats(
      long createdSeconds,
      long itemsSent,
      long bytesSent,
      long unacked,
      int backfills,
      int queuedBackfills,
      List<ActiveStream> streams) {}

  Stats stats() {
    return new Stats(
        createdSeconds,
        publishedItems.get(),
        publishedBytes.get(),
        publishedUnacked.get(),
        publishedBackfills,
        publishedQueuedBackfills,
        streamView);
  }

  /** Cheap (ordered stores, no fences): once per step, not per item. */
  private void publish() {
    publishedItems.lazySet(itemsSent);
    publishedBytes.lazySet(bytesSent);
    publishedUnacked.lazySet(unacked);
    publishedBackfills = backfilling.size();
    publishedQueuedBackfills = backfillQueue.size();
  }

  private void streamsChanged() {
    streamView = List.copyOf(streams.values());
  }

  // ---- commands (on the loop, from the command executors) ----

  /** Whether the vBucket has a live stream. */
  public boolean hasStream(int vb) {
    return streams.containsKey(vb);
  }

  /**
   * Creates a stream; the caller has validated the request and queued the success response, so
   * stream messages follow it.
   */
  public void openStream(VBucket vb, int opaque, long start, long end, long snapStart) {
    ActiveStream stream = new ActiveStream(this, vb, opaque, start, end, snapStart);
    streams.put(vb.id(), stream);
    streamsChanged();
    ensureNoopTimer();
    stream.start(connection.output());
  }

  /**
   * DCP_CLOSE_STREAM from the client.
   *
   * @return false when there was no live stream
   */
  public boolean closeStream(int vb) {
    ActiveStream stream = streams.get(vb);
    if (stream == null || stream.isDead() || stream.closing) {
      return false;
    }
    if (controls.streamEndOnClose()) {
      // After the close's response, which is being written now: the client reads them in order.
      stream.closing = true;
      onLoop(() -> endStream(stream, StreamEndReason.CLOSED));
    } else {
      stream.release();
      streams.remove(vb);
      streamsChanged();
    }
    return true;
  }

  /** DCP_BUFFER_ACKNOWLEDGEMENT: the client freed this many bytes. */
  public void acknowledged(long bytes) {
    boolean wasBlocked = flowBlocked();
    unacked = Math.max(0, unacked - bytes);
    publishedUnacked.lazySet(unacked);
    if (wasBlocked && !flowBlocked()) {
      scheduleStep();
    }
  }

  /** A client's response to one of our requests (a noop, or an error for a stream message). */
  public void onResponse(Request response) {
    Opcode op = response.opcode();
    int status = response.vbucket(); // a response carries its status where a request has the vb
    if (op == Opcode.DCP_NOOP) {
      noopOutstanding = false;
      return;
    }
    if (status == Status.SUCCESS.code()) {
      return; // e.g. a snapshot marker acknowledgement
    }
    // An error for a stream message means this one stream is gone on the client's side (kv
    // MB-37009): end that stream, keep the connection.
    for (ActiveStream s : List.copyOf(streams.values())) {
      if (s.opaque() == response.opaque()) {
        LOG.info(
            "dcp {}: the client answered {} with status 0x{} for vBucket {}: stream closed",
            name,
            op,
            Integer.toHexString(status),
            s.vb());
        s.release();
        streams.remove(s.vb());
        streamsChanged();
      }
    }
  }

  /** A new control value that changes the pump: buffer size or noops. */
  public void controlsChanged() {
    ensureNoopTimer();
    scheduleStep();
  }

  // ---- closing ----

  @Override
  public void closed() {
    closeAllStreams();
  }

  /**
   * Releases every stream, its cursor and its backfill, and the noop timer: on the loop only,
   * idempotent.
   */
  void closeAllStreams() {
    if (closed) {
      return;
    }
    closed = true;
    for (ActiveStream s : List.copyOf(streams.values())) {
      s.release();
    }
    streams.clear();
    streamsChanged();
    ready.clear();
    backfillQueue.clear();
    backfilling.clear();
    publish();
    if (noopTimer != null) {
      noopTimer.cancel(false);
    }
    registry.remove(name, this);
  }

  @Override
  public void writable() {
    scheduleStep();
  }

  // ---- the pump ----

  /** Runs a task on this connection's loop (dropped if the node is stopping). */
  void onLoop(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException stopping) {
      // The loop is shutting down: the connection and its streams go with it.
    }
  }

  void wakeFromAnyThread(ActiveStream stream) {
    onLoop(() -> ready(stream));
  }

  /** Puts a stream in the ready queue and makes sure a step runs. */
  void ready(ActiveStream stream) {
    if (closed || stream.isDead()) {
      return;
    }
    if (!stream.queued) {
      stream.queued = true;
      ready.add(stream);
    }
    scheduleStep();
  }

  private void scheduleStep() {
    if (!stepScheduled && !closed) {
      stepScheduled = true;
      onLoop(this::step);
    }
  }

  private boolean flowBlocked() {
    long size = controls.bufferSize();
    return size > 0 && unacked >= size;
  }

  /** Writes ready streams' messages round-robin, within the step budget and flow control. */
  private void step() {
    stepScheduled = false;
    if (closed || connection.isClosing()) {
      return;
    }
    ByteBuf out = connection.output();
    long budget = STEP_BYTES;
    while (budget > 0 && !ready.isEmpty() && connection.channel().isWritable() && !flowBlocked()) {
      ActiveStream stream = ready.poll();
      stream.queued = false;
      if (stream.isDead()) {
        continue;
      }
      long room = controls.bufferSize() > 0 ? controls.bufferSize() - unacked : Long.MAX_VALUE;
      int written = stream.emit(out, Math.min(Math.min(budget, room), 64 * 1024));
      unacked += written;
      bytesSent += written;
      budget -= written;
      if (written > 0 && !stream.isDead() && !stream.queued) {
        // It may have more: back of the queue, so every stream gets its turn.
        stream.queued = true;
        ready.add(stream);
      }
    }
    connection.flushOutput();
    publish();
    if (!ready.isEmpty() && budget <= 0) {
      scheduleStep(); // yield to the loop's other connections, then go on
    }
  }

  /**
   * Writes one item as a mutation, a deletion or an expiration, as this connection asked for.
   *
   * @return the frame size
   */
  int writeItem(ByteBuf out, int vb, int opaque, Item item) {
    itemsSent++;
    if (item.deleted()) {
      if (item.deletedByExpiry() && controls.expiryOpcode()) {
        return DcpFrames.expiration(out, vb, opaque, item);
      }
      return DcpFrames.deletion(out, vb, opaque, item, flags.includeDeleteTimes());
    }
    int datatype;
    if (flags.noValue()) {
      datatype = flags.noValueWithDatatype() ? visibleDatatype(item) : Datatype.RAW;
    } else {
      datatype = visibleDatatype(item);
    }
    return DcpFrames.mutation(out, vb, opaque, item, !flags.noValue(), datatype);
  }

  private int visibleDatatype(Item item) {
    return connection.json() ? item.datatype() & Datatype.JSON : Datatype.RAW;
  }

  /** Ends a stream with a STREAM_END now (on the loop). */
  void endStream(ActiveStream stream, StreamEndReason reason) {
    int written = stream.end(connection.output(), reason);
    unacked += written;
    bytesSent += written;
    connection.flushOutput();
    publish();
  }

  /** Called by a stream as it dies. */
  void removed(ActiveStream stream, StreamEndReason reason) {
    if (streams.remove(stream.vb(), stream)) {
      streamsChanged();
    }
    LOG.debug("dcp {}: stream for vBucket {} ended: {}", name, stream.vb(), reason);
  }

  // ---- backfill slots ----

  void scheduleBackfill(ActiveStream stream) {
    if (backfilling.size() < MAX_ACTIVE_BACKFILLS) {
      backfilling.add(stream);
      stream.runBackfill();
    } else {
      backfillQueue.add(stream);
    }
  }

  void backfillFinished(ActiveStream stream) {
    backfillQueue.remove(stream);
    // While closing, every stream is being released: no queued backfill should start now.
    if (backfilling.remove(stream) && !closed) {
      while (backfilling.size() < MAX_ACTIVE_BACKFILLS && !backfillQueue.isEmpty()) {
        ActiveStream next = backfillQueue.poll();
        if (!next.isDead()) {
          backfilling.add(next);
          next.runBackfill();
        }
      }
    }
  }

  // ---- noops ----

  private void ensureNoopTimer() {
    if (closed || !controls.noopEnabled() || streams.isEmpty()) {
      return;
    }
    long interval = controls.noopIntervalMillis();
    if (noopTimer != null) {
      if (noopTimerInterval == interval) {
        return;
      }
      noopTimer.cancel(false);
    }
    noopTimerInterval = interval;
    noopTimer = loop.scheduleAtFixedRate(this::noopTick, interval, interval, TimeUnit.MILLISECONDS);
  }

  /**
   * Every noop interval: a client that has not answered the previous noop is gone (it stopped
   * reading, or its host vanished) and is disconnected; otherwise it gets a new noop.
   */
  private void noopTick() {
    if (closed) {
      return;
    }
    if (noopOutstanding) {
      connection.close(
          "DCP connection "
              + name
              + ": no answer to a noop within "
              + controls.noopIntervalMillis()
              + " ms");
      return;
    }
    noopOutstanding = true;
    DcpFrames.noop(connection.output(), nextNoopOpaque++);
    connection.flushOutput();
  }
}
