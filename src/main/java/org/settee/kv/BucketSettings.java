package org.settee.kv;

import java.math.BigDecimal;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A bucket's definition, as it is created and stored in the node's configuration. The constructor
 * validates every field and names the one that is wrong (REST turns that into a 400 naming the
 * field).
 *
 * @param ramQuotaMb the bucket's memory quota in MiB
 * @param numVBuckets a power of two between 1 and 1024 (clients mask the key hash with it)
 * @param replicaNumber replicas per vBucket (0-3); a single node holds none of them
 * @param maxTtlSeconds the longest expiry a document may get, 0 = no limit
 * @param evictionPolicy {@code valueOnly} or {@code fullEviction} (couchbase), {@code noEviction}
 *     or {@code nruEviction} (ephemeral), ignored for memcached
 * @param uuid the bucket's identity: a new one for every bucket, even under a reused name
 * @param purgeIntervalDays how old a tombstone must be, in days, before compaction purges it; null
 *     for a couchbase bucket that follows the node's setting ({@code /settings/autoCompaction}) and
 *     for memcached buckets (no tombstones)
 */
public record BucketSettings(
    String name,
    BucketType type,
    long ramQuotaMb,
    int numVBuckets,
    boolean flushEnabled,
    int replicaNumber,
    long maxTtlSeconds,
    String evictionPolicy,
    String uuid,
    Double purgeIntervalDays) {
  public static final int DEFAULT_VBUCKETS = 1024;

  /** ns_server's range for a couchbase bucket's or the node's metadata purge interval, in days. */
  public static final double MIN_PURGE_INTERVAL_DAYS = 0.04;

  /** Ephemeral buckets may purge sooner: their tombstones take memory. */
  public static final double MIN_EPHEMERAL_PURGE_INTERVAL_DAYS = 0.0007;

  public static final double MAX_PURGE_INTERVAL_DAYS = 60;

  /** What a new ephemeral bucket gets unless told otherwise (ns_server's default). */
  public static final double DEFAULT_EPHEMERAL_PURGE_INTERVAL_DAYS = 1;

  /** Couchbase's rule for bucket names. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._%-]{1,100}");

  private static final Set<String> COUCHBASE_EVICTION = Set.of("valueOnly", "fullEviction");
  private static final Set<String> EPHEMERAL_EVICTION = Set.of("noEviction", "nruEviction");

  /** A bucket with Couchbase's defaults for the rest: no replicas, no max TTL, value eviction. */
  public BucketSettings(
      String name, BucketType type, long ramQuotaMb, int numVBuckets, boolean flushEnabled) {
    this(
        name,
        type,
        ramQuotaMb,
        numVBuckets,
        flushEnabled,
        0,
        0,
        type == BucketType.EPHEMERAL ? "noEviction" : "valueOnly",
        newUuid());
  }

  /**
   * A bucket with the purge interval its type starts with: an ephemeral bucket its own (1 day), a
   * couchbase bucket the node's.
   */
  public BucketSettings(
      String name,
      BucketType type,
      long ramQuotaMb,
      int numVBuckets,
      boolean flushEnabled,
      int replicaNumber,
      long maxTtlSeconds,
      String evictionPolicy,
      String uuid) {
    this(
        name,
        type,
        ramQuotaMb,
        numVBuckets,
        flushEnabled,
        replicaNumber,
        maxTtlSeconds,
        evictionPolicy,
        uuid,
        type == BucketType.EPHEMERAL ? DEFAULT_EPHEMERAL_PURGE_INTERVAL_DAYS : null);
  }

  public BucketSettings {
    if (name == null || !NAME.matcher(name).matches() || name.startsWith(".")) {
      throw new InvalidBucketSettingException(
          "name",
          "Bucket name can only contain characters in range A-Z, a-z, 0-9 as well as underscore,"
              + " period, dash & percent, may not start with a period and must be at most 100"
              + " characters");
    }
    if (type == null) {
      throw new InvalidBucketSettingException("bucketType", "Bucket type is required");
    }
    if (ramQuotaMb < 1) {
      throw new InvalidBucketSettingException("ramQuota", "RAM quota must be at least 1 MiB");
    }
    if (numVBuckets < 1 || numVBuckets > 1024 || Integer.bitCount(numVBuckets) != 1) {
      throw new InvalidBucketSettingException(
          "numVBuckets", "Number of vBuckets must be a power of two between 1 and 1024");
    }
    if (replicaNumber < 0 || replicaNumber > 3) {
      throw new InvalidBucketSettingException(
          "replicaNumber", "Replica number must be between 0 and 3");
    }
    if (maxTtlSeconds < 0 || maxTtlSeconds > Integer.MAX_VALUE) {
      throw new InvalidBucketSettingException(
          "maxTTL", "Max TTL must be between 0 and " + Integer.MAX_VALUE + " seconds");
    }
    Set<String> policies =
        switch (type) {
          case COUCHBASE -> COUCHBASE_EVICTION;
          case EPHEMERAL -> EPHEMERAL_EVICTION;
          case MEMCACHED -> null;
        };
    if (policies != null && !policies.contains(evictionPolicy)) {
      throw new InvalidBucketSettingException(
          "evictionPolicy",
          "Eviction policy must be one of " + policies + " for a " + type.restName() + " bucket");
    }
    if (uuid == null || uuid.isEmpty()) {
      throw new InvalidBucketSettingException("uuid", "Bucket UUID is required");
    }
    if (purgeIntervalDays != null) {
      if (type == BucketType.MEMCACHED) {
        throw new InvalidBucketSettingException(
            "purgeInterval", "Memcached buckets have no tombstones to purge");
      }
      double min =
          type == BucketType.EPHEMERAL
              ? MIN_EPHEMERAL_PURGE_INTERVAL_DAYS
              : MIN_PURGE_INTERVAL_DAYS;
      if (!(purgeIntervalDays >= min && purgeIntervalDays <= MAX_PURGE_INTERVAL_DAYS)) {
        throw new InvalidBucketSettingException(
            "purgeInterval",
            "metadata purge interval must be between "
                + BigDecimal.valueOf(min).toPlainString()
                + " and 60 days");
      }
    } else if (type == BucketType.EPHEMERAL) {
      throw new InvalidBucketSettingException(
          "purgeInterval", "An ephemeral bucket needs its own metadata purge interval");
    }
  }

  /** The purge interval that applies: the bucket's own, or {@code nodeDays}. */
  public double purgeIntervalDays(double nodeDays) {
    return purgeIntervalDays == null ? nodeDays : purgeIntervalDays;
  }

  /** A fresh bucket UUID: 32 hex digits, as ns_server makes them. */
  public static String newUuid() {
    return UUID.randomUUID().toString().replace("-", "");
  }
}
