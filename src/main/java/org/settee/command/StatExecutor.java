package org.settee.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.settee.SetteeVersion;
import org.settee.dcp.DcpConnections;
import org.settee.dcp.DcpStats;
import org.settee.kv.Bucket;
import org.settee.kv.BucketStats;
import org.settee.kv.VBucket;
import org.settee.net.Connection;
import org.settee.net.ConnectionRegistry;
import org.settee.protocol.Status;
import org.settee.security.Privilege;
import org.settee.storage.BucketStorage;
import org.settee.util.Clock;

/**
 * STAT: one response per statistic (key = name, value = ASCII) and an empty terminator, all with
 * the request's opaque. Groups: default (""), "vbucket", "connections".
 */
final class StatExecutor implements CommandExecutor {
  private static final byte[] EMPTY = new byte[0];
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConnectionRegistry connections;
  private final Function<String, BucketStorage> storages;
  private final Clock clock;
  private final DcpConnections dcp;
  private final long startedMillis;

  StatExecutor(
      ConnectionRegistry connections,
      Function<String, BucketStorage> storages,
      Clock clock,
      DcpConnections dcp) {
    this.connections = connections;
    this.dcp = dcp;
    this.storages = storages;
    this.clock = clock;
    this.startedMillis = clock.currentTimeMillis();
  }

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0);
    String group = new String(cookie.request().key(), StandardCharsets.UTF_8).trim();
    Map<String, String> stats =
        switch (group) {
          case "" -> defaults(cookie.bucket());
          case "vbucket" -> vbuckets(cookie);
          case "vbucket-seqno" -> vbucketSeqnos(cookie);
          case "warmup" -> warmup(cookie);
          case "connections" -> connections(cookie.connection());
          case "dcp" -> DcpStats.of(dcp, requireBucket(cookie).name());
          default -> throw new CommandException(Status.KEY_ENOENT, "unknown stat group " + group);
        };
    for (Map.Entry<String, String> e : stats.entrySet()) {
      cookie.respond(
          Status.SUCCESS,
          0,
          0,
          EMPTY,
          e.getKey().getBytes(StandardCharsets.UTF_8),
          e.getValue().getBytes(StandardCharsets.UTF_8));
    }
    cookie.respond(Status.SUCCESS, 0, 0, EMPTY, EMPTY, EMPTY);
  }

  private Map<String, String> defaults(Bucket bucket) {
    Map<String, String> s = new LinkedHashMap<>();
    long now = clock.currentTimeMillis();
    s.put("pid", Long.toString(ProcessHandle.current().pid()));
    s.put("uptime", Long.toString((now - startedMillis) / 1000));
    s.put("time", Long.toString(now / 1000));
    s.put("version", SetteeVersion.VERSION);
    s.put("pointer_size", "64");
    s.put("curr_connections", Integer.toString(connections.openCount()));
    s.put("total_connections", Long.toString(connections.totalCount()));
    if (bucket != null) {
      BucketStats b = bucket.stats();
      s.put("ep_bucket_type", bucket.settings().type().restName());
      s.put("ep_max_vbuckets", Integer.toString(bucket.numVBuckets()));
      s.put("curr_items", Long.toString(b.items()));
      s.put("mem_used", Long.toString(b.memoryUsed()));
      s.put("cmd_get", Long.toString(b.cmdGet.sum()));
      s.put("get_hits", Long.toString(b.getHits.sum()));
      s.put("get_misses", Long.toString(b.getMisses.sum()));
      s.put("cmd_set", Long.toString(b.cmdSet.sum()));
      s.put("delete_hits", Long.toString(b.deleteHits.sum()));
      s.put("delete_misses", Long.toString(b.deleteMisses.sum()));
      s.put("incr_hits", Long.toString(b.incrHits.sum()));
      s.put("incr_misses", Long.toString(b.incrMisses.sum()));
      s.put("decr_hits", Long.toString(b.decrHits.sum()));
      s.put("decr_misses", Long.toString(b.decrMisses.sum()));
      s.put("cas_misses", Long.toString(b.casMisses.sum()));
      s.put("cmd_touch", Long.toString(b.touches.sum()));
      s.put("vb_active_expired", Long.toString(b.expirations()));
      s.put("ep_max_size", Long.toString(bucket.quotaBytes()));
      s.put("ep_mem_high_wat", Long.toString(bucket.highWatermark()));
      s.put("ep_mem_low_wat", Long.toString(bucket.lowWatermark()));
      s.put("ep_num_value_ejects", Long.toString(b.ejections()));
      s.put("ep_bg_fetched", Long.toString(b.backgroundFetched()));
      BucketStorage storage = storages.apply(bucket.name());
      s.put("ep_persistence", storage == null ? "none" : "rocksdb");
      if (storage != null) {
        s.put("ep_queue_size", Long.toString(storage.diskQueueSize()));
        s.put("ep_total_persisted", Long.toString(storage.persistedItems()));
        s.put("ep_commit_num", Long.toString(storage.commits()));
        s.put("ep_item_commit_failed", Long.toString(storage.failedCommits()));
        s.put("ep_flusher_todo", Long.toString(storage.flusherTodo()));
        s.put("ep_diskqueue_items", Long.toString(storage.diskQueueSize()));
        // Data commands are served only once warmup is done, so whoever can ask sees it done.
        s.put("ep_warmup_thread", "complete");
        String refused = bucket.writesRefusedBecause();
        s.put("ep_writes_refused", refused == null ? "false" : refused);
      }
    }
    return s;
  }

  private static Map<String, String> vbuckets(Cookie cookie) {
    Bucket bucket = requireBucket(cookie);
    Map<String, String> s = new LinkedHashMap<>();
    for (int i = 0; i < bucket.numVBuckets(); i++) {
      VBucket vb = bucket.vbucket(i);
      s.put("vb_" + i, vb.state().statName());
    }
    return s;
  }

  private static Bucket requireBucket(Cookie cookie) {
    Bucket bucket = cookie.bucket();
    if (bucket == null) {
      throw new CommandException(Status.NO_BUCKET, "select a bucket first");
    }
    return bucket;
  }

  /** Per vBucket: UUID, high seqno and persisted seqno (cbstats vbucket-seqno). */
  private static Map<String, String> vbucketSeqnos(Cookie cookie) {
    Bucket bucket = requireBucket(cookie);
    Map<String, String> s = new LinkedHashMap<>();
    for (int i = 0; i < bucket.numVBuckets(); i++) {
      VBucket vb = bucket.vbucket(i);
      s.put("vb_" + i + ":uuid", Long.toUnsignedString(vb.uuid()));
      s.put("vb_" + i + ":high_seqno", Long.toString(vb.highSeqno()));
      s.put("vb_" + i + ":last_persisted_seqno", Long.toString(vb.persistedSeqno()));
    }
    return s;
  }

  /** What warmup loaded (cbstats warmup). */
  private Map<String, String> warmup(Cookie cookie) {
    Bucket bucket = requireBucket(cookie);
    BucketStorage storage = storages.apply(bucket.name());
    if (storage == null) {
      throw new CommandException(Status.KEY_ENOENT, "bucket " + bucket.name() + " has no warmup");
    }
    Map<String, String> s = new LinkedHashMap<>();
    s.put("ep_warmup_state", "done");
    s.put("ep_warmup_value_count", Long.toString(storage.warmup().items()));
    s.put("ep_warmup_time", Long.toString(storage.warmup().millis() * 1000));
    s.put("ep_warmup_unclean_shutdown", Boolean.toString(storage.warmup().uncleanShutdown()));
    return s;
  }

  /** One JSON document per connection; without the cluster-admin privilege, only one's own. */
  private Map<String, String> connections(Connection self) {
    boolean all = self.can(Privilege.CLUSTER_ADMIN, null);
    Map<String, String> s = new LinkedHashMap<>();
    for (Connection c : connections.open()) {
      if (!all && c != self) {
        continue;
      }
      Connection.Snapshot snap = c.snapshot();
      ObjectNode node = JSON.createObjectNode();
      node.put("id", snap.id());
      node.put("peername", snap.peer());
      node.put("sockname", snap.local());
      node.put("state", snap.state().name().toLowerCase(java.util.Locale.ROOT));
      node.put("agent_name", snap.agent());
      node.put("user", snap.user());
      node.put("bucket", snap.bucket());
      var features = node.putArray("features");
      snap.features().forEach(f -> features.add(f.name()));
      s.put(Long.toString(snap.id()), node.toString());
    }
    return s;
  }
}
