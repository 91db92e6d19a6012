package org.settee.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.List;
import org.settee.kv.Bucket;
import org.settee.node.SetteeNode;
import org.settee.security.Privilege;

/**
 * The cluster as a pool: {@code /pools}, {@code /pools/default}, {@code /nodes/self}, {@code
 * /nodeStatuses}, {@code /pools/default/tasks} and {@code /pools/default/rebalanceProgress}, read
 * by couchbase-cli, older SDKs and test harnesses to find the nodes and wait for them to be
 * healthy. This node is a single-node cluster that is always balanced.
 */
final class PoolsResource {
  private final SetteeNode node;
  private final NodeJson nodes;
  private final MemoryQuota quota;

  PoolsResource(SetteeNode node, NodeJson nodes, MemoryQuota quota) {
    this.node = node;
    this.nodes = nodes;
    this.quota = quota;
  }

  /** {@code GET /pools}: the version and the one pool. */
  RestResponse pools(RestRequest request) {
    String uuid = node.clusterConfig().clusterUuid();
    ObjectNode n = Json.object();
    n.put("isAdminCreds", request.user().can(Privilege.CLUSTER_ADMIN, null));
    n.put("isROAdminCreds", false);
    n.put("isEnterprise", false);
    n.putArray("allowedServices").add("kv");
    n.put("isDeveloperPreview", false);
    n.put("packageVariant", "");
    ObjectNode pool = n.putArray("pools").addObject();
    pool.put("name", "default");
    pool.put("uri", "/pools/default?uuid=" + uuid);
    pool.put("streamingUri", "/poolsStreaming/default?uuid=" + uuid);
    n.put("uuid", uuid);
    n.put("implementationVersion", NodeJson.VERSION);
    n.putObject("componentsVersion").put("ns_server", NodeJson.VERSION);
    return RestResponse.json(n);
  }

  /** {@code GET /pools/default}: nodes, bucket links, quotas, rebalance state. */
  RestResponse poolDefault(RestRequest request) {
    String uuid = node.clusterConfig().clusterUuid();
    long rev = node.clusterConfig().revision().rev();
    List<Bucket> buckets = sortedBuckets();
    ObjectNode n = Json.object();
    n.put("name", "default");
    n.putArray("nodes").add(nodes.node(request.host()));
    ObjectNode b = n.putObject("buckets");
    b.put("uri", "/pools/default/buckets?v=" + rev + "&uuid=" + uuid);
    b.put("terseBucketsBase", "/pools/default/b/");
    b.put("terseStreamingBucketsBase", "/pools/default/bs/");
    ArrayNode names = n.putArray("bucketNames");
    for (Bucket bucket : buckets) {
      names.addObject().put("bucketName", bucket.name()).put("uuid", bucket.settings().uuid());
    }
    n.putArray("alerts");
    n.put("rebalanceStatus", "none");
    n.put("rebalanceProgressUri", "/pools/default/rebalanceProgress");
    n.put("nodeStatusesUri", "/nodeStatuses");
    n.putObject("tasks").put("uri", "/pools/default/tasks?v=" + rev);
    n.putObject("counters");
    n.put("clusterName", node.clusterConfig().clusterName());
    n.put("balanced", true);
    n.put("maxBucketCount", 30);
    n.put("memoryQuota", quota.nodeMb());
    n.set("storageTotals", storageTotals(buckets));
    return RestResponse.json(n);
  }

  private ObjectNode storageTotals(List<Bucket> buckets) {
    long used = 0;
    for (Bucket bucket : buckets) {
      used += bucket.stats().memoryUsed();
    }
    long quotaBytes = quota.nodeMb() * MemoryQuota.MIB;
    long allocated = MemoryQuota.allocatedMb(buckets, null) * MemoryQuota.MIB;
    ObjectNode totals = Json.object();
    ObjectNode ram = totals.putObject("ram");
    ram.put("total", NodeJson.physicalMemory());
    ram.put("quotaTotal", quotaBytes);
    ram.put("quotaUsed", allocated);
    ram.put("used", NodeJson.physicalMemory() - NodeJson.freePhysicalMemory());
    ram.put("usedByData", used);
    ram.put("quotaUsedPerNode", allocated);
    ram.put("quotaTotalPerNode", quotaBytes);
    ObjectNode hdd = totals.putObject("hdd");
    hdd.put("total", 0);
    hdd.put("quotaTotal", 0);
    hdd.put("used", 0);
    hdd.put("usedByData", 0);
    hdd.put("free", 0);
    return totals;
  }

  /** {@code GET /nodes/self}: the node entry plus its quota and storage paths. */
  RestResponse nodeSelf(RestRequest request) {
    ObjectNode n = nodes.node(request.host());
    n.put("memoryQuota", quota.nodeMb());
    String dir = node.options().dataDir().toAbsolutePath().toString();
    ObjectNode storage = n.putObject("storage");
    storage.putArray("ssd");
    ObjectNode hdd = storage.putArray("hdd").addObject();
    hdd.put("path", dir);
    hdd.put("index_path", dir);
    hdd.put("quotaMb", "none");
    hdd.put("state", "ok");
    return RestResponse.json(n);
  }

  /** {@code GET /nodeStatuses}: each node's health by {@code host:port}. */
  RestResponse nodeStatuses(RestRequest request) {
    ObjectNode n = Json.object();
    ObjectNode self = n.putObject(nodes.hostname(request.host()));
    self.put("status", "healthy");
    self.put("otpNode", NodeJson.OTP_NODE);
    self.put("dataless", false);
    self.put("replication", 1);
    self.put("gracefulFailoverPossible", false);
    return RestResponse.json(n);
  }

  /** {@code GET /pools/default/tasks}: no rebalance is ever running on a single node. */
  RestResponse tasks(RestRequest request) {
    ArrayNode tasks = Json.array();
    ObjectNode rebalance = tasks.addObject();
    rebalance.put("type", "rebalance");
    rebalance.put("subtype", "rebalance");
    rebalance.put("status", "notRunning");
    rebalance.put("statusIsStale", false);
    rebalance.put("masterRequestTimedOut", false);
    return RestResponse.json(tasks);
  }

  /** {@code GET /pools/default/rebalanceProgress}. */
  RestResponse rebalanceProgress(RestRequest request) {
    return RestResponse.json(Json.object().put("status", "none"));
  }

  private List<Bucket> sortedBuckets() {
    return node.buckets().all().stream().sorted(Comparator.comparing(Bucket::name)).toList();
  }
}
