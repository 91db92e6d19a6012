package org.settee.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.settee.cluster.ConfigJson;
import org.settee.cluster.ConfigRevision;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;

/**
 * The full bucket object of {@code /pools/default/buckets[/<b>]}: everything in the terse
 * configuration, with full node entries, plus the settings the SDK's BucketManager reads
 * (CoreBucketSettingsJson: {@code name}, {@code controllers} and {@code quota.rawRAM} must be
 * there) and basic statistics.
 *
 * <p>{@code controllers} has a {@code flush} key exactly when flush is enabled: that is how clients
 * tell. Settings Settee does not implement are shown at the only value it supports (compression
 * passive, seqno conflict resolution, no minimum durability).
 */
final class BucketJson {
  private final ConfigJson configs;
  private final NodeJson nodes;

  BucketJson(ConfigJson configs, NodeJson nodes) {
    this.configs = configs;
    this.nodes = nodes;
  }

  /** The bucket object for a client that reached this node at {@code host}. */
  byte[] full(Bucket bucket, String host) {
    return Json.withHost(Json.bytes(tree(bucket, host)), host);
  }

  ObjectNode tree(Bucket bucket, String host) {
    ConfigRevision rev = configs.revision();
    BucketSettings s = bucket.settings();
    ObjectNode n = configs.terseBucketNode(bucket, rev);
    ObjectNode node = nodes.node(host);
    node.put("replication", 1);
    n.putArray("nodes").add(node);
    ObjectNode controllers = n.putObject("controllers");
    if (s.flushEnabled()) {
      controllers.put("flush", "/pools/default/buckets/" + s.name() + "/controller/doFlush");
    }
    if (s.type() == BucketType.COUCHBASE) {
      String base = "/pools/default/buckets/" + s.name() + "/controller/";
      controllers.put("compactAll", base + "compactBucket");
      controllers.put("compactDB", base + "compactDatabases");
    }
    long quotaBytes = s.ramQuotaMb() * MemoryQuota.MIB;
    n.putObject("quota").put("ram", quotaBytes).put("rawRAM", quotaBytes);
    n.put("replicaNumber", s.replicaNumber());
    n.put("replicaIndex", false);
    n.put("threadsNumber", 3);
    n.put("maxTTL", s.maxTtlSeconds());
    n.put("compressionMode", "passive");
    n.put("conflictResolutionType", "seqno");
    n.put("durabilityMinLevel", "none");
    if (s.type() != BucketType.MEMCACHED) {
      n.put("evictionPolicy", s.evictionPolicy());
    }
    autoCompaction(n, s);
    ObjectNode stats = n.putObject("basicStats");
    long memUsed = bucket.stats().memoryUsed();
    stats.put("quotaPercentUsed", quotaBytes == 0 ? 0.0 : 100.0 * memUsed / quotaBytes);
    stats.put("opsPerSec", 0);
    stats.put("diskFetches", 0);
    stats.put("itemCount", bucket.itemCount());
    stats.put("diskUsed", 0);
    stats.put("dataUsed", 0);
    stats.put("memUsed", memUsed);
    stats.put("vbActiveNumNonResident", 0);
    return n;
  }

  /**
   * As ns_server shows them: a couchbase bucket with its own settings has an {@code
   * autoCompactionSettings} object and its {@code purgeInterval}, one that follows the node's has
   * {@code autoCompactionSettings: false}; an ephemeral bucket has its {@code purgeInterval} only;
   * a memcached bucket {@code autoCompactionSettings: false}.
   */
  private static void autoCompaction(ObjectNode n, BucketSettings s) {
    switch (s.type()) {
      case COUCHBASE -> {
        if (s.purgeIntervalDays() == null) {
          n.put("autoCompactionSettings", false);
        } else {
          n.putObject("autoCompactionSettings").put("parallelDBAndViewCompaction", false);
          PurgeInterval.put(n, s.purgeIntervalDays());
        }
      }
      case EPHEMERAL -> PurgeInterval.put(n, s.purgeIntervalDays());
      case MEMCACHED -> n.put("autoCompactionSettings", false);
    }
  }
}
