package org.settee.command;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.compression.Snappy;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.settee.kv.BackgroundFetcher;
import org.settee.kv.Bucket;
import org.settee.kv.Item;
import org.settee.kv.ItemKey;
import org.settee.kv.VBucket;
import org.settee.kv.VBucketState;
import org.settee.kv.ValueNotResident;
import org.settee.net.Connection;
import org.settee.protocol.Datatype;
import org.settee.protocol.FrameInfos;
import org.settee.protocol.Request;
import org.settee.protocol.Response;
import org.settee.protocol.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request in execution (kv_engine's name): the request, its connection, and the checks and
 * responses every executor shares. Lives only for the duration of {@link CommandExecutor#execute}.
 */
public final class Cookie {
  private static final Logger LOG = LoggerFactory.getLogger(Cookie.class);
  static final int MAX_KEY_LENGTH = 250;
  private static final byte[] EMPTY = new byte[0];

  private final Connection connection;
  private final Request request;
  private final FrameInfos frameInfos;
  private final int maxItemSize;
  private final CommandExecutor executor;
  private boolean offloaded;

  /** The key's disk read completed and memory answers for it: the run after it asks no disk. */
  private boolean fetched;

  /** {@link VBucket#removals()} before that read: a removal since sends a miss back to disk. */
  private long fetchedRemovals;

  /**
   * A command reads its key from disk at most this many times. Each read that a removal overtook
   * (or whose value the pager evicted again before the command ran) is read again; under a pager
   * that keeps removing from the vBucket that could go on for as long as the memory pressure does,
   * a disk read each time. The client gets TMPFAIL instead and retries, as SDKs do.
   */
  public static final int MAX_FETCHES = 10;

  private int fetches;

  /** Off-loop work submitted and not yet completed: the request is released when none is left. */
  private int pendingOffloads;

  /** The vBucket and key of the last {@link #vbucket(ItemKey)}: what a fetch reads back. */
  private VBucket fetchVBucket;

  private ItemKey fetchKey;

  Cookie(
      Connection connection,
      Request request,
      FrameInfos frameInfos,
      int maxItemSize,
      CommandExecutor executor) {
    this.connection = connection;
    this.request = request;
    this.frameInfos = frameInfos;
    this.maxItemSize = maxItemSize;
    this.executor = executor;
  }

  public Connection connection() {
    return connection;
  }

  public Request request() {
    return request;
  }

  public FrameInfos frameInfos() {
    return frameInfos;
  }

  public int maxItemSize() {
    return maxItemSize;
  }

  public boolean quiet() {
    return request.opcode().isQuiet();
  }

  // ---- validation shared by executors (each throws before anything changes) ----

  /** Checks the extras length is one of the allowed ones. */
  public void expectExtras(int... allowed) {
    for (int length : allowed) {
      if (request.extrasLength() == length) {
        return;
      }
    }
    throw CommandException.invalid("extras length " + request.extrasLength() + " is not allowed");
  }

  public void expectNoKey() {
    if (request.keyLength() != 0) {
      throw CommandException.invalid("this command takes no key");
    }
  }

  public void expectNoValue() {
    if (request.valueLength() != 0) {
      throw CommandException.invalid("this command takes no value");
    }
  }

  /** The document key: 1 to 250 bytes. */
  public ItemKey key() {
    int length = request.keyLength();
    if (length == 0 || length > MAX_KEY_LENGTH) {
      throw CommandException.invalid("key length must be 1-" + MAX_KEY_LENGTH + ": " + length);
    }
    return new ItemKey(request.key());
  }

  /** The selected bucket (access checks already guaranteed one). */
  public Bucket bucket() {
    return connection.bucket();
  }

  /** The request's vBucket, which must be active here. */
  public VBucket vbucket() {
    VBucket vb = connection.bucket().vbucket(request.vbucket());
    if (vb == null || vb.state() != VBucketState.ACTIVE) {
      throw new CommandException(Status.NOT_MY_VBUCKET, null);
    }
    return vb;
  }

  /**
   * The request's vBucket, with {@code key} in memory: when the key was evicted (or, under full
   * eviction, may be on disk only), it is read back off the event loop first and the command runs
   * again once it is there; this call then ends the current attempt.
   */
  public VBucket vbucket(ItemKey key) {
    VBucket vb = vbucket();
    fetchVBucket = vb;
    fetchKey = key;
    BackgroundFetcher fetcher = bucket().fetcher();
    // Read before the check (or before the disk read that settled the key): a removal after it
    // makes the operation's miss go to disk.
    long removals = fetched ? fetchedRemovals : vb.removals();
    if (fetched || fetcher == null || !vb.needsFetch(key)) {
      if (fetcher != null && vb.isFullEviction()) {
        vb.guardMisses(removals);
      }
      return vb;
    }
    fetchAndRunAgain(fetcher);
    throw FetchPending.INSTANCE;
  }

  /**
   * The pager evicted the value after {@link #vbucket(ItemKey)} found it in memory: read it back
   * and run the command again, as when the check itself finds it evicted.
   */
  void fetchEvicted() {
    BackgroundFetcher fetcher = connection.bucket() == null ? null : bucket().fetcher();
    if (fetcher == null || fetchKey == null) {
      throw new CommandException(Status.ETMPFAIL, "the value is not in memory, try again");
    }
    fetchAndRunAgain(fetcher);
  }

  private void fetchAndRunAgain(BackgroundFetcher fetcher) {
    if (++fetches > MAX_FETCHES) {
      throw new CommandException(
          Status.ETMPFAIL,
          "the key left memory again each time it was read from disk (memory pressure): try again");
    }
    VBucket vb = fetchVBucket;
    ItemKey key = fetchKey;
    offload(
        fetcher.executor(),
        () -> {
          long removalsBefore = vb.removals(); // before the disk read starts
          try {
            return new DiskRead(removalsBefore, fetcher.fetch(vb.id(), key));
          } catch (BackgroundFetcher.ReadFailure e) {
            // The disk failed this read (the fetcher logs it): this command fails, not the
            // connection with everything else in flight on it. Clients retry a TMPFAIL.
            throw new CommandException(
                e.temporary() ? Status.ETMPFAIL : Status.EINTERNAL, e.getMessage());
          }
        },
        read -> {
          // A refused read leaves fetched false: the next run finds the key absent and reads the
          // disk again. Each refusal needs a removal in this vBucket during the read: retries are
          // rare and end once a read fits between two pager passes.
          fetched = vb.restoreFetched(key, read.item(), read.removalsBefore());
          fetchedRemovals = read.removalsBefore();
          executor.execute(this);
        });
  }

  /**
   * A background fetch's result, with {@link VBucket#removals()} as read on the fetcher's thread
   * just before the disk read (see {@link VBucket#restoreFetched}). Read there, not when the fetch
   * was queued: a removal while the fetch waited in the queue cannot make the read stale, and
   * counting it would refuse good reads whenever the fetch queue is long and the pager busy, the
   * very time when every retry costs most.
   */
  private record DiskRead(long removalsBefore, Item item) {}

  /** Ends an attempt whose key is being fetched: not an error, the command runs again later. */
  static final class FetchPending extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final FetchPending INSTANCE = new FetchPending();

    private FetchPending() {
      super("fetch pending", null, false, false);
    }
  }

  /**
   * The document value, uncompressed. Snappy values are inflated on the way in (and checked);
   * values over the item size limit get E2BIG.
   */
  public byte[] value() {
    if (request.valueLength() > maxItemSize) {
      throw new CommandException(
          Status.E2BIG, "value of " + request.valueLength() + " bytes is over " + maxItemSize);
    }
    if ((request.datatype() & Datatype.SNAPPY) == 0) {
      return request.valueBytes();
    }
    ByteBuf compressed = request.value();
    long length = uncompressedLength(compressed);
    if (length < 0 || length > maxItemSize) {
      throw new CommandException(Status.E2BIG, "inflated value is over " + maxItemSize);
    }
    // The buffer cannot grow past the announced length: a lying preamble cannot inflate memory.
    ByteBuf inflated = Unpooled.buffer((int) length, (int) length);
    try {
      new Snappy().decode(compressed.duplicate(), inflated);
      if (inflated.readableBytes() != length) {
        throw CommandException.invalid("invalid snappy value: length mismatch");
      }
      byte[] bytes = new byte[(int) length];
      inflated.readBytes(bytes);
      return bytes;
    } catch (CommandException e) {
      throw e;
    } catch (RuntimeException e) {
      throw CommandException.invalid("invalid snappy value: " + e.getMessage());
    } finally {
      inflated.release();
    }
  }

  /** Reads raw Snappy's preamble: the uncompressed length as a little-endian base-128 varint. */
  private static long uncompressedLength(ByteBuf compressed) {
    long length = 0;
    for (int i = 0; i < 5; i++) {
      if (i >= compressed.readableBytes()) {
        break;
      }
      int b = compressed.getUnsignedByte(compressed.readerIndex() + i);
      length |= (long) (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        return length;
      }
    }
    throw CommandException.invalid("invalid snappy value: bad length preamble");
  }

  // ---- execution off the event loop ----

  /**
   * Runs {@code work} on {@code executor} (it may block: hashing a password, reading a disk) and
   * {@code completion} back on the connection's event loop. Requests behind this one wait, so
   * responses keep their order. A full executor answers ETMPFAIL at once.
   */
  public <T> void offload(Executor executor, Supplier<T> work, Consumer<T> completion) {
    try {
      executor.execute(
          () -> {
            T result = null;
            RuntimeException failure = null;
            try {
              result = work.get();
            } catch (RuntimeException e) {
              failure = e;
            }
            T r = result;
            RuntimeException f = failure;
            connection.channel().eventLoop().execute(() -> complete(r, f, completion));
          });
    } catch (RejectedExecutionException full) {
      throw new CommandException(Status.ETMPFAIL, "server busy, try again");
    }
    // Safe after submitting: the completion runs on this loop, after this dispatch returns.
    offloaded = true;
    pendingOffloads++;
    connection.suspend();
  }

  private <T> void complete(T result, RuntimeException failure, Consumer<T> completion) {
    pendingOffloads--;
    try {
      if (connection.isClosing()) {
        return;
      }
      if (failure != null) {
        throw failure;
      }
      try {
        completion.accept(result);
      } catch (ValueNotResident evictedAgain) {
        fetchEvicted();
      } finally {
        VBucket.clearGuard();
      }
    } catch (FetchPending again) {
      return; // a second fetch was started; its completion takes over the request
    } catch (CommandException e) {
      error(e.status(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("conn {}: failed to complete {}", connection.id(), request, e);
      connection.close("internal error completing " + request + ": " + e);
    } finally {
      // A second fetch started by the completion owns the request (and the pause) from here on.
      if (pendingOffloads == 0) {
        request.release();
        connection.resume();
      }
    }
  }

  /** True when the request completes later and its completion releases it. */
  boolean isOffloaded() {
    return offloaded;
  }

  // ---- responses ----

  /** A bodiless success (or nothing, for a quiet command). */
  public void success(long cas) {
    if (!quiet()) {
      Response.writeStatus(
          connection.output(), request.opcodeByte(), Status.SUCCESS, request.opaque(), cas);
    }
  }

  /**
   * The success of a mutation: the new CAS, and the mutation token (vBucket UUID, seqno) when the
   * connection negotiated MutationSeqno. Quiet commands say nothing.
   */
  public void mutationSuccess(VBucket vb, Item item, byte[] value) {
    if (quiet()) {
      return;
    }
    ByteBuf out = connection.output();
    int extras = connection.mutationSeqno() ? 16 : 0;
    Response.writeHeader(
        out,
        request.opcodeByte(),
        Status.SUCCESS,
        request.opaque(),
        item.cas(),
        Datatype.RAW,
        extras,
        0,
        value.length);
    if (extras != 0) {
      out.writeLong(vb.uuid());
      out.writeLong(item.bySeqno());
    }
    out.writeBytes(value);
  }

  /** A document read: flags extras, optional key echo, the value, with the datatype negotiated. */
  public void document(Item item, long cas, boolean withKey) {
    ByteBuf out = connection.output();
    int datatype = connection.json() ? item.datatype() & Datatype.JSON : Datatype.RAW;
    Response.writeHeader(
        out,
        request.opcodeByte(),
        Status.SUCCESS,
        request.opaque(),
        cas,
        datatype,
        4,
        withKey ? item.keyLength() : 0,
        item.valueLength());
    out.writeInt(item.flags());
    if (withKey) {
      item.writeKey(out);
    }
    item.writeValue(out);
  }

  /** A success carrying raw extras, key and value. */
  public void respond(
      Status status, long cas, int datatype, byte[] extras, byte[] key, byte[] value) {
    Response.write(
        connection.output(),
        request.opcodeByte(),
        status,
        request.opaque(),
        cas,
        datatype,
        extras,
        key,
        value);
  }

  /** An error: always answered, quiet or not, remapped for clients without XERROR. */
  public void error(Status status, String context) {
    Response.writeError(
        connection.output(),
        request.opcodeByte(),
        status,
        request.opaque(),
        connection.xerror(),
        context);
  }

  /** An error that echoes the key (GETK misses). */
  public void errorWithKey(Status status, byte[] key) {
    Response.write(
        connection.output(),
        request.opcodeByte(),
        status,
        request.opaque(),
        0,
        Datatype.RAW,
        EMPTY,
        key,
        EMPTY);
  }
}
