package org.settee.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;

/**
 * Builds the configuration documents clients bootstrap from: the terse bucket configuration (served
 * by GET_CLUSTER_CONFIG, NOT_MY_VBUCKET bodies, pushes and {@code /pools/default/b/<b>}) and the
 * global, bucket-less one. One builder serves them all, so every path gives the same bytes for the
 * same revision.
 *
 * <p>{@code $HOST} stands for the address the client used; clients substitute it.
 */
public final class ConfigJson {
  /** What a couchbase bucket offers today; grows as features land (dcp, collections, ...). */
  static final String[] COUCHBASE_CAPABILITIES = {"cbhello", "touch", "cccp", "nodesExt"};

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HOST = "$HOST";

  private final ClusterConfig cluster;
  private final Supplier<NodeServices> services;
  private final ConcurrentHashMap<String, Cached> terse = new ConcurrentHashMap<>();

  private record Cached(ConfigRevision revision, String bucketUuid, byte[] json) {}

  public ConfigJson(ClusterConfig cluster, Supplier<NodeServices> services) {
    this.cluster = cluster;
    this.services = services;
  }

  public ConfigRevision revision() {
    return cluster.revision();
  }

  /** The terse configuration of a bucket at the current revision (cached per revision). */
  public byte[] terseBucket(Bucket bucket) {
    ConfigRevision rev = cluster.revision();
    BucketSettings s = bucket.settings();
    Cached c = terse.get(s.name());
    if (c == null || !c.revision().equals(rev) || !c.bucketUuid().equals(s.uuid())) {
      c = new Cached(rev, s.uuid(), bytes(terseBucketNode(bucket, rev)));
      terse.put(s.name(), c);
    }
    return c.json();
  }

  /** The terse bucket configuration as a tree (the REST bucket object starts from it). */
  public ObjectNode terseBucketNode(Bucket bucket, ConfigRevision rev) {
    BucketSettings s = bucket.settings();
    NodeServices svc = services.get();
    ObjectNode n = JSON.createObjectNode();
    n.put("rev", rev.rev());
    n.put("revEpoch", rev.epoch());
    n.put("name", s.name());
    n.put("nodeLocator", s.type() == BucketType.MEMCACHED ? "ketama" : "vbucket");
    n.put("bucketType", bucketType(s.type()));
    n.put("storageBackend", "couchstore");
    n.put("uuid", s.uuid());
    n.put("uri", "/pools/default/buckets/" + s.name() + "?bucket_uuid=" + s.uuid());
    n.put(
        "streamingUri", "/pools/default/bucketsStreaming/" + s.name() + "?bucket_uuid=" + s.uuid());
    n.put("bucketCapabilitiesVer", "");
    ArrayNode caps = n.putArray("bucketCapabilities");
    if (s.type() == BucketType.MEMCACHED) {
      caps.add("cbhello").add("nodesExt");
    } else {
      for (String c : COUCHBASE_CAPABILITIES) {
        caps.add(c);
      }
      n.put("numVBuckets", s.numVBuckets());
      ObjectNode map = n.putObject("vBucketServerMap");
      map.put("hashAlgorithm", "CRC");
      map.put("numReplicas", s.replicaNumber());
      map.putArray("serverList").add(HOST + ":" + svc.kv());
      ArrayNode vbs = map.putArray("vBucketMap");
      for (int i = 0; i < s.numVBuckets(); i++) {
        ArrayNode chain = vbs.addArray().add(0);
        // ns_server pads chains to numReplicas + 1; a single node holds no replica (-1).
        for (int r = 0; r < s.replicaNumber(); r++) {
          chain.add(-1);
        }
      }
    }
    ArrayNode nodes = n.putArray("nodes");
    ObjectNode node = nodes.addObject();
    node.put("hostname", HOST + ":" + svc.mgmt());
    node.putObject("ports").put("direct", svc.kv());
    n.set("nodesExt", nodesExt(svc));
    n.putArray("clusterCapabilitiesVer").add(1).add(0);
    n.putObject("clusterCapabilities");
    n.put("clusterUUID", cluster.clusterUuid());
    n.put("clusterName", cluster.clusterName());
    return n;
  }

  /** The global (bucket-less) configuration at the current revision. */
  public byte[] global() {
    ConfigRevision rev = cluster.revision();
    ObjectNode n = JSON.createObjectNode();
    n.put("rev", rev.rev());
    n.put("revEpoch", rev.epoch());
    n.set("nodesExt", nodesExt(services.get()));
    n.putArray("clusterCapabilitiesVer").add(1).add(0);
    n.putObject("clusterCapabilities");
    n.put("clusterUUID", cluster.clusterUuid());
    n.put("clusterName", cluster.clusterName());
    return bytes(n);
  }

  private ArrayNode nodesExt(NodeServices svc) {
    ArrayNode ext = JSON.createArrayNode();
    ObjectNode self = ext.addObject();
    self.put("thisNode", true);
    // No "hostname": every client (the DCP client does not substitute $HOST) then uses the
    // address it connected to, as for a single-node Couchbase Server.
    self.put("nodeUUID", cluster.nodeUuid());
    ObjectNode ports = self.putObject("services");
    svc.asMap().forEach(ports::put);
    return ext;
  }

  /** ns_server's name for a bucket type in configurations ("membase" for couchbase). */
  public static String bucketType(BucketType type) {
    return type == BucketType.COUCHBASE ? "membase" : type.restName();
  }

  private static byte[] bytes(ObjectNode n) {
    try {
      return JSON.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
