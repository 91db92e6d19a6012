package org.settee.security;

/**
 * An action a user may be allowed to take, named after the kv_engine / ns_server privilege it
 * stands for. Cluster-wide privileges ignore the bucket they are asked about; the others hold for
 * one bucket (and possibly only some of its scopes or collections).
 */
public enum Privilege {
  /** Read documents and their metadata (kv_engine Read): GET, lookups, GET_META. */
  DATA_READ(false),
  /** Insert, upsert and delete documents (kv_engine Insert, Upsert, Delete). */
  DATA_WRITE(false),
  /** Open a DCP producer and stream from it (kv_engine DcpProducer, DcpStream). */
  DCP_READ(false),
  /** Open a DCP consumer, i.e. write into the bucket by replication (kv_engine DcpConsumer). */
  DCP_WRITE(false),
  /** Flush the bucket (ns_server {[bucket], flush}). */
  BUCKET_FLUSH(false),
  /** Change the bucket's settings, create or drop its scopes and collections. */
  BUCKET_MANAGE(false),
  /** Select the bucket on a KV connection: granted by any role on the bucket (SELECT_BUCKET). */
  SELECT(false),
  /** Read the cluster-wide configuration (kv_engine SystemSettings, ns_server {[pools], read}). */
  SYSTEM_SETTINGS(true),
  /** Manage the cluster itself: nodes, users, security. Only the admin role has it. */
  CLUSTER_ADMIN(true);

  private final boolean clusterWide;

  Privilege(boolean clusterWide) {
    this.clusterWide = clusterWide;
  }

  /** True if the privilege is not about one bucket, so the bucket asked about is ignored. */
  public boolean clusterWide() {
    return clusterWide;
  }
}
