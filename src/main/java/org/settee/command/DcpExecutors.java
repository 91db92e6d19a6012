package org.settee.command;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.settee.dcp.DcpConnections;
import org.settee.dcp.DcpControls;
import org.settee.dcp.DcpProducer;
import org.settee.dcp.OpenFlags;
import org.settee.kv.Bucket;
import org.settee.kv.BucketType;
import org.settee.kv.FailoverLog;
import org.settee.kv.VBucket;
import org.settee.kv.VBucketState;
import org.settee.net.Connection;
import org.settee.protocol.Datatype;
import org.settee.protocol.Status;
import org.settee.security.Privilege;
import org.settee.storage.BucketStorage;

/**
 * The DCP commands a client sends to a producer (spec/dcp.md §3-4): open, control, stream request
 * and close, failover log, all-vBucket seqnos, buffer acknowledgements.
 */
final class DcpExecutors {
  private static final byte[] EMPTY = new byte[0];

  /** Connection names longer than this are refused, as clients and ns_server do. */
  static final int MAX_NAME_LENGTH = 200;

  /** Stream request flags (spec/dcp.md §4.1). */
  static final int TAKEOVER = 0x01;

  static final int DISK_ONLY = 0x02;
  static final int TO_LATEST = 0x04;
  static final int ACTIVE_VB_ONLY = 0x10;
  static final int STRICT_VB_UUID = 0x20;
  static final int FROM_LATEST = 0x40;
  static final int IGNORE_PURGED_TOMBSTONES = 0x80;
  private static final int KNOWN_STREAM_FLAGS =
      TAKEOVER
          | DISK_ONLY
          | TO_LATEST
          | 0x08
          | ACTIVE_VB_ONLY
          | STRICT_VB_UUID
          | FROM_LATEST
          | IGNORE_PURGED_TOMBSTONES;

  private DcpExecutors() {}

  /** The producer of a DCP connection, or an EINVAL for any other connection. */
  private static DcpProducer producer(Cookie cookie) {
    if (cookie.connection().role() instanceof DcpProducer p && !p.isClosed()) {
      return p;
    }
    throw CommandException.invalid("not a DCP producer connection (send DCP_OPEN first)");
  }

  /** DCP_OPEN: makes the connection a producer (consumers are not served yet). */
  static final class Open implements CommandExecutor {
    private final DcpConnections connections;
    private final Function<String, BucketStorage> storages;

    Open(DcpConnections connections, Function<String, BucketStorage> storages) {
      this.connections = connections;
      this.storages = storages;
    }

    @Override
    public void execute(Cookie cookie) {
      cookie.expectExtras(8);
      ByteBuf extras = cookie.request().extras();
      OpenFlags flags = new OpenFlags(extras.getInt(extras.readerIndex() + 4));
      byte[] name = cookie.request().key();
      if (name.length == 0 || name.length > MAX_NAME_LENGTH) {
        throw CommandException.invalid(
            "a DCP connection name is 1-" + MAX_NAME_LENGTH + " bytes: " + name.length);
      }
      if (cookie.request().valueLength() > 0
          && (cookie.request().datatype() & Datatype.JSON) == 0) {
        throw CommandException.invalid("DCP_OPEN's value must be JSON");
      }
      String invalid = flags.invalidReason();
      if (invalid != null) {
        throw CommandException.invalid(invalid);
      }
      Connection connection = cookie.connection();
      Bucket bucket = cookie.bucket();
      Privilege needed = flags.producer() ? Privilege.DCP_READ : Privilege.DCP_WRITE;
      if (!connection.can(needed, bucket.name())) {
        throw new CommandException(
            Status.EACCESS, "missing privilege " + needed + " on bucket " + bucket.name());
      }
      Status unsupported = flags.unsupported();
      if (unsupported != null) {
        throw new CommandException(
            unsupported,
            flags.producer()
                ? "skipping deletes in backfill needs collections"
                : "DCP consumer connections are not supported yet");
      }
      if (bucket.settings().type() == BucketType.MEMCACHED) {
        throw new CommandException(Status.NOT_SUPPORTED, "memcached buckets have no DCP");
      }
      if (connection.role() != null) {
        throw CommandException.invalid("the connection is already a DCP connection");
      }
      connections.openProducer(
          connection,
          bucket,
          storages.apply(bucket.name()),
          new String(name, StandardCharsets.UTF_8),
          flags);
      cookie.success(0);
    }
  }

  /** DCP_CONTROL: key = name, value = setting. */
  static final class Control implements CommandExecutor {
    @Override
    public void execute(Cookie cookie) {
      cookie.expectExtras(0);
      DcpProducer producer = producer(cookie);
      byte[] key = cookie.request().key();
      byte[] value = cookie.request().valueBytes();
      if (key.length == 0 || value.length == 0) {
        throw CommandException.invalid("DCP_CONTROL needs a key and a value");
      }
      DcpControls.Outcome outcome =
          producer
              .controls()
              .apply(
                  new String(key, StandardCharsets.UTF_8),
                  new String(value, StandardCharsets.UTF_8),
                  producer.flags(),
                  cookie.connection().snappy());
      if (outcome.status() != Status.SUCCESS) {
        throw new CommandException(outcome.status(), outcome.reason());
      }
      producer.controlsChanged();
      cookie.success(0);
    }
  }

  /** DCP_STREAM_REQ, checked in kv_engine's order (spec/dcp.md §4.1). */
  static final class StreamRequest implements CommandExecutor {
    @Override
    public void execute(Cookie cookie) {
      cookie.expectExtras(48);
      cookie.expectNoKey();
      if (cookie.request().valueLength() > 0) {
        throw CommandException.invalid("a stream request value needs collections");
      }
      DcpProducer producer = producer(cookie);
      ByteBuf x = cookie.request().extras();
      int at = x.readerIndex();
      int flags = x.getInt(at);
      long start = x.getLong(at + 8);
      long end = x.getLong(at + 16);
      long uuid = x.getLong(at + 24);
      long snapStart = x.getLong(at + 32);
      long snapEnd = x.getLong(at + 40);
      if ((flags & ~KNOWN_STREAM_FLAGS) != 0) {
        throw CommandException.invalid(String.format("unknown stream flags 0x%x", flags));
      }
      if ((flags & TAKEOVER) != 0) {
        throw new CommandException(Status.NOT_SUPPORTED, "takeover streams need a rebalance");
      }
      VBucket vb = producer.bucket().vbucket(cookie.request().vbucket());
      if (vb == null
          || (vb.state() != VBucketState.ACTIVE && vb.state() != VBucketState.REPLICA)
          || ((flags & ACTIVE_VB_ONLY) != 0 && vb.state() != VBucketState.ACTIVE)) {
        throw new CommandException(Status.NOT_MY_VBUCKET, null);
      }
      long high = vb.highSeqno();
      if ((flags & FROM_LATEST) != 0) {
        start = high;
        snapStart = high;
        snapEnd = high;
        if (uuid == 0) {
          uuid = vb.uuid();
        }
      }
      if (Long.compareUnsigned(start, end) > 0) {
        throw new CommandException(Status.ERANGE, "start seqno " + start + " > end " + end);
      }
      if (Long.compareUnsigned(snapStart, start) > 0 || Long.compareUnsigned(start, snapEnd) > 0) {
        throw new CommandException(
            Status.ERANGE,
            "start seqno " + start + " outside the snapshot [" + snapStart + "," + snapEnd + "]");
      }
      if (producer.hasStream(vb.id())) {
        throw new CommandException(Status.KEY_EEXISTS, "vBucket " + vb.id() + " has a stream");
      }
      long rollback =
          vb.failoverLog()
              .rollbackSeqno(
                  start,
                  uuid,
                  snapStart,
                  snapEnd,
                  high,
                  vb.purgeSeqno(),
                  (flags & STRICT_VB_UUID) != 0,
                  (flags & IGNORE_PURGED_TOMBSTONES) != 0);
      if (rollback >= 0) {
        byte[] body = new byte[8];
        java.nio.ByteBuffer.wrap(body).putLong(rollback);
        cookie.respond(Status.ROLLBACK, 0, Datatype.RAW, EMPTY, EMPTY, body);
        return;
      }
      if ((flags & TO_LATEST) != 0) {
        end = high;
      }
      if ((flags & DISK_ONLY) != 0) {
        end = Math.min(end, vb.persistedSeqno());
      }
      if (Long.compareUnsigned(start, end) > 0 || start > high) {
        throw new CommandException(
            Status.ERANGE, "start seqno " + start + " is beyond " + Math.min(end, high));
      }
      if (end < 0) {
        end = Long.MAX_VALUE; // 2^64-1 ("forever") and beyond: seqnos never get there
      }
      List<FailoverLog.Entry> log = vb.failoverLog().entries();
      cookie.respond(Status.SUCCESS, 0, Datatype.RAW, EMPTY, EMPTY, failoverLogBytes(log));
      // The response is queued first: stream messages for this opaque may only follow it.
      producer.openStream(vb, cookie.request().opaque(), start, end, snapStart);
    }
  }

  /** DCP_CLOSE_STREAM: success, or not found. */
  static final class CloseStream implements CommandExecutor {
    @Override
    public void execute(Cookie cookie) {
      cookie.expectExtras(0);
      cookie.expectNoKey();
      cookie.expectNoValue();
      DcpProducer producer = producer(cookie);
      if (!producer.closeStream(cookie.request().vbucket())) {
        throw new CommandException(
            producer.controls().v7StatusCodes() ? Status.DCP_STREAM_NOT_FOUND : Status.KEY_ENOENT,
            "no stream for vBucket " + cookie.request().vbucket());
      }
      cookie.success(0);
    }
  }

  /** DCP_BUFFER_ACKNOWLEDGEMENT: no response on success (the client does not expect one). */
  static final class BufferAck implements CommandExecutor {
    @Override
    public void execute(Cookie cookie) {
      cookie.expectExtras(4);
      DcpProducer producer = producer(cookie);
      ByteBuf x = cookie.request().extras();
      producer.acknowledged(x.getUnsignedInt(x.readerIndex()));
    }
  }

  /** A DCP_NOOP request sent to a producer is a protocol error: kv_engine disconnects. */
  static final class NoopRequest implements CommandExecutor {
    @Override
    public void execute(Cookie cookie) {
      cookie.connection().close("DCP_NOOP request sent to a producer");
    }
  }

  /** DCP_GET_FAILOVER_LOG: the vBucket's history branches, newest first, 16 bytes each. */
  static final class FailoverLogExecutor implements CommandExecutor {
    @Override
    public void execute(Cookie cookie) {
      cookie.expectExtras(0);
      cookie.expectNoKey();
      cookie.expectNoValue();
      VBucket vb = cookie.bucket().vbucket(cookie.request().vbucket());
      if (vb == null || vb.state() == VBucketState.DEAD) {
        throw new CommandException(Status.NOT_MY_VBUCKET, null);
      }
      cookie.respond(
          Status.SUCCESS,
          0,
          Datatype.RAW,
          EMPTY,
          EMPTY,
          failoverLogBytes(vb.failoverLog().entries()));
    }
  }

  /** GET_ALL_VB_SEQNOS: {vb u16, high seqno u64} for every vBucket in the asked state. */
  static final class AllVbSeqnos implements CommandExecutor {
    @Override
    public void execute(Cookie cookie) {
      cookie.expectExtras(0, 4, 8);
      cookie.expectNoKey();
      cookie.expectNoValue();
      ByteBuf x = cookie.request().extras();
      if (cookie.request().extrasLength() == 8) {
        throw CommandException.invalid("a collection filter needs collections");
      }
      int filter = cookie.request().extrasLength() == 4 ? x.getInt(x.readerIndex()) : 0;
      if (filter < 0 || filter > 4) {
        throw CommandException.invalid("unknown vBucket state " + filter);
      }
      Bucket bucket = cookie.bucket();
      java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
      java.nio.ByteBuffer entry = java.nio.ByteBuffer.allocate(10);
      for (int i = 0; i < bucket.numVBuckets(); i++) {
        VBucket vb = bucket.vbucket(i);
        if (matches(vb.state(), filter)) {
          entry.clear();
          entry.putShort((short) i).putLong(vb.highSeqno());
          body.write(entry.array(), 0, 10);
        }
      }
      cookie.respond(Status.SUCCESS, 0, Datatype.RAW, EMPTY, EMPTY, body.toByteArray());
    }

    /** 0 = alive (active, replica, pending); otherwise the state's wire code. */
    private static boolean matches(VBucketState state, int filter) {
      if (filter == 0) {
        return state != VBucketState.DEAD;
      }
      return state.code() == filter;
    }
  }

  static byte[] failoverLogBytes(List<FailoverLog.Entry> newestFirst) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 * newestFirst.size());
    for (FailoverLog.Entry e : newestFirst) {
      b.putLong(e.uuid()).putLong(e.seqno());
    }
    return b.array();
  }
}
