package org.settee.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Collection;
import org.settee.SetteeVersion;
import org.settee.cluster.NodeServices;
import org.settee.kv.Bucket;
import org.settee.node.SetteeNode;

/**
 * This node as ns_server describes a node: the entries of {@code nodes[]} in {@code /pools/default}
 * and in bucket objects, and {@code /nodes/self}. Tools read {@code otpNode}, {@code
 * clusterMembership}, {@code status} and {@code services}; the SDK's bucket.waitUntilReady() waits
 * for {@code status: healthy}.
 */
final class NodeJson {
  /** The name ns_server gives a node that was never renamed (cb.local on 127.0.0.1). */
  static final String OTP_NODE = "ns_1@127.0.0.1";

  /** As Couchbase writes it: X.Y.Z-build-edition (clients parse X.Y.Z and the edition). */
  static final String VERSION = SetteeVersion.VERSION + "-0000-community";

  private final SetteeNode node;
  private final MemoryQuota quota;
  private final long startNanos = System.nanoTime();

  NodeJson(SetteeNode node, MemoryQuota quota) {
    this.node = node;
    this.quota = quota;
  }

  /** ns_server's cluster compatibility version: major << 16 | minor. */
  static int clusterCompatibility() {
    String[] v = SetteeVersion.VERSION.split("\\.");
    return Integer.parseInt(v[0]) << 16 | Integer.parseInt(v[1]);
  }

  /** {@code host:mgmtPort}, the node's identity in REST answers. */
  String hostname(String host) {
    return host + ":" + node.services().mgmt();
  }

  /** One {@code nodes[]} entry, for a client that reached this node at {@code host}. */
  ObjectNode node(String host) {
    NodeServices svc = node.services();
    Collection<Bucket> buckets = node.buckets().all();
    ObjectNode n = Json.object();
    ObjectNode system = n.putObject("systemStats");
    system.put("cpu_utilization_rate", 0);
    system.put("cpu_cores_available", Runtime.getRuntime().availableProcessors());
    system.put("mem_total", physicalMemory());
    system.put("mem_free", freePhysicalMemory());
    system.put("mem_limit", physicalMemory());
    system.put("swap_total", 0);
    system.put("swap_used", 0);
    ObjectNode stats = n.putObject("interestingStats");
    long items = 0;
    long mem = 0;
    long gets = 0;
    long hits = 0;
    for (Bucket b : buckets) {
      items += b.itemCount();
      mem += b.stats().memoryUsed();
      gets += b.stats().cmdGet.sum();
      hits += b.stats().getHits.sum();
    }
    stats.put("curr_items", items);
    stats.put("curr_items_tot", items);
    stats.put("vb_replica_curr_items", 0);
    stats.put("mem_used", mem);
    stats.put("cmd_get", gets);
    stats.put("get_hits", hits);
    stats.put("ops", 0);
    stats.put("couch_docs_actual_disk_size", 0);
    stats.put("couch_docs_data_size", 0);
    n.put("uptime", String.valueOf(Duration.ofNanos(System.nanoTime() - startNanos).toSeconds()));
    n.put("memoryTotal", physicalMemory());
    n.put("memoryFree", freePhysicalMemory());
    n.put("mcdMemoryReserved", quota.nodeMb());
    n.put("mcdMemoryAllocated", quota.nodeMb());
    n.put("clusterMembership", "active");
    n.put("recoveryType", "none");
    n.put("status", "healthy");
    n.put("otpNode", OTP_NODE);
    n.put("thisNode", true);
    n.put("hostname", hostname(host));
    n.put("nodeUUID", node.clusterConfig().nodeUuid());
    n.put("clusterCompatibility", clusterCompatibility());
    n.put("version", VERSION);
    n.put("os", System.getProperty("os.arch") + "-" + System.getProperty("os.name"));
    n.put("cpuCount", Runtime.getRuntime().availableProcessors());
    ObjectNode ports = n.putObject("ports");
    ports.put("direct", svc.kv());
    if (svc.mgmtTls() != 0) {
      ports.put("httpsMgmt", svc.mgmtTls());
    }
    n.putArray("services").add("kv");
    n.put("nodeEncryption", false);
    n.put("addressFamily", "inet");
    n.put("addressFamilyOnly", false);
    n.put("configuredHostname", hostname(host));
    n.putArray("externalListeners").addObject().put("afamily", "inet").put("nodeEncryption", false);
    n.put("serverGroup", "Group 1");
    return n;
  }

  static long physicalMemory() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory();
  }

  static long freePhysicalMemory() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getFreeMemorySize();
    }
    return Runtime.getRuntime().freeMemory();
  }
}
