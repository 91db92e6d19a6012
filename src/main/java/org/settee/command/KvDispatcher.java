package org.settee.command;

import org.settee.cluster.ConfigJson;
import org.settee.cluster.ConfigRevision;
import org.settee.dcp.DcpProducer;
import org.settee.kv.Bucket;
import org.settee.kv.BucketRegistry;
import org.settee.kv.BucketState;
import org.settee.kv.BucketType;
import org.settee.kv.VBucket;
import org.settee.kv.ValueNotResident;
import org.settee.net.Connection;
import org.settee.net.RequestDispatcher;
import org.settee.protocol.Datatype;
import org.settee.protocol.Feature;
import org.settee.protocol.FrameInfos;
import org.settee.protocol.Magic;
import org.settee.protocol.Opcode;
import org.settee.protocol.Request;
import org.settee.protocol.Response;
import org.settee.protocol.Status;
import org.settee.security.Privilege;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs requests through the checks every command shares (known opcode, framing, datatype, access,
 * privilege) and then its executor. Errors become responses; only a bug closes the connection.
 */
public final class KvDispatcher implements RequestDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(KvDispatcher.class);
  private static final byte[] EMPTY = new byte[0];

  private final CommandTable table;
  private final BucketRegistry buckets;
  private final ConfigJson configs;
  private final int maxItemSize;

  public KvDispatcher(
      CommandTable table, BucketRegistry buckets, ConfigJson configs, int maxItemSize) {
    this.table = table;
    this.buckets = buckets;
    this.configs = configs;
    this.maxItemSize = maxItemSize;
  }

  @Override
  public void dispatch(Connection connection, Request request) {
    Cookie cookie = null;
    try {
      if (request.magic() == Magic.SERVER_RESPONSE) {
        return; // a client's answer to a server push: nothing to do
      }
      if (request.magic() == Magic.CLIENT_RESPONSE) {
        // Only a DCP client answers the server's requests; from anyone else it is nonsense.
        if (connection.role() instanceof DcpProducer producer) {
          producer.onResponse(request);
        } else {
          connection.close("a response frame (magic 0x81) from a client that is not a DCP client");
        }
        return;
      }
      CommandTable.Entry entry = table.get(request.opcode());
      if (entry == null) {
        Response.writeError(
            connection.output(),
            request.opcodeByte(),
            Status.UNKNOWN_COMMAND,
            request.opaque(),
            connection.xerror(),
            null);
        return;
      }
      cookie =
          new Cookie(
              connection, request, frameInfos(connection, request), maxItemSize, entry.executor());
      try {
        checkDatatype(connection, request);
        checkAccess(connection, entry, request);
        try {
          entry.executor().execute(cookie);
        } finally {
          VBucket.clearGuard(); // a command's miss guard ends with it
        }
        if (entry.privileges().contains(Privilege.DATA_WRITE)) {
          connection.bucket().checkMemory();
        }
      } catch (Cookie.FetchPending pending) {
        // The key is being read from disk; the command runs again when it is in memory.
      } catch (ValueNotResident evicted) {
        cookie.fetchEvicted(); // evicted after the check: the same read from disk, then again
      } catch (CommandException e) {
        if (e.status() == Status.NOT_MY_VBUCKET && connection.bucket() != null) {
          notMyVBucket(cookie);
        } else {
          cookie.error(e.status(), e.getMessage());
        }
      }
    } catch (CommandException e) {
      Response.writeError(
          connection.output(),
          request.opcodeByte(),
          e.status(),
          request.opaque(),
          connection.xerror(),
          e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("conn {}: failed to execute {}", connection.id(), request, e);
      connection.close("internal error executing " + request + ": " + e);
    } finally {
      if (cookie == null || !cookie.isOffloaded()) {
        request.release();
      }
    }
  }

  /**
   * NOT_MY_VBUCKET carries the current configuration so the client can re-route at once; a client
   * that negotiated the dedupe feature and already has this revision gets an empty body.
   */
  private void notMyVBucket(Cookie cookie) {
    Connection connection = cookie.connection();
    ConfigRevision current = configs.revision();
    byte[] body = EMPTY;
    if (!connection.has(Feature.DEDUPE_NOT_MY_VBUCKET_CLUSTERMAP)
        || current.isNewerThan(connection.configSeen())) {
      body = configs.terseBucket(connection.bucket());
      connection.sawConfig(current);
    }
    int datatype = body.length > 0 && connection.json() ? Datatype.JSON : Datatype.RAW;
    cookie.respond(Status.NOT_MY_VBUCKET, 0, datatype, EMPTY, EMPTY, body);
  }

  private static FrameInfos frameInfos(Connection connection, Request request) {
    if (request.magic() != Magic.ALT_CLIENT_REQUEST) {
      return FrameInfos.NONE;
    }
    if (!connection.altRequests()) {
      throw CommandException.invalid("flexible framing used without HELLO AltRequestSupport");
    }
    try {
      return FrameInfos.parse(request.framingExtras());
    } catch (FrameInfos.FrameInfoException e) {
      throw new CommandException(e.status(), e.getMessage());
    }
  }

  /** A client may only send datatype bits it negotiated. */
  private static void checkDatatype(Connection connection, Request request) {
    int datatype = request.datatype();
    if (datatype == Datatype.RAW) {
      return;
    }
    int allowed =
        (connection.json() ? Datatype.JSON : 0) | (connection.snappy() ? Datatype.SNAPPY : 0);
    if ((datatype & ~allowed) != 0) {
      throw CommandException.invalid(
          String.format("datatype 0x%02x was not negotiated with HELLO", datatype));
    }
  }

  private void checkAccess(Connection connection, CommandTable.Entry entry, Request request) {
    if (entry.access() == Access.ANYONE) {
      return;
    }
    if (!connection.state().isAuthenticated() && !connection.isAnonymous()) {
      throw new CommandException(Status.EACCESS, "authenticate first");
    }
    if (entry.access() == Access.AUTHENTICATED) {
      checkPrivileges(connection, entry, null);
      return;
    }
    Bucket bucket = connection.bucket();
    if (bucket == null && connection.isAnonymous()) {
      bucket = buckets.get("default");
      if (bucket != null) {
        connection.select(bucket);
      }
    }
    if (bucket == null) {
      throw new CommandException(Status.NO_BUCKET, "no bucket selected");
    }
    if (bucket.state() != BucketState.READY) {
      connection.close("bucket " + bucket.name() + " is " + bucket.state());
      throw new CommandException(Status.NO_BUCKET, "bucket " + bucket.name() + " is going away");
    }
    checkPrivileges(connection, entry, bucket.name());
    if (entry.privileges().contains(Privilege.DATA_WRITE)) {
      String refused = bucket.writesRefusedBecause();
      if (refused != null) {
        throw new CommandException(Status.ETMPFAIL, refused);
      }
      // A delete frees memory: it is allowed even when the bucket is full.
      if (bucket.isFull() && request.opcode().loud() != Opcode.DELETE) {
        bucket.checkMemory();
        // Ephemeral buckets that never evict are full for good until documents are deleted.
        boolean forGood =
            bucket.settings().type() == BucketType.EPHEMERAL
                && "noEviction".equals(bucket.settings().evictionPolicy());
        throw new CommandException(
            forGood ? Status.ENOMEM : Status.ETMPFAIL,
            "bucket " + bucket.name() + " reached its memory quota");
      }
    }
  }

  private static void checkPrivileges(
      Connection connection, CommandTable.Entry entry, String bucketName) {
    for (Privilege p : entry.privileges()) {
      if (!connection.can(p, bucketName)) {
        throw new CommandException(
            Status.EACCESS,
            "missing privilege " + p + (bucketName == null ? "" : " on bucket " + bucketName));
      }
    }
  }
}
