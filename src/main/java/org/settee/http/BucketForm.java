package org.settee.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.kv.InvalidBucketSettingException;

/**
 * Reads the bucket create and update forms ({@code POST /pools/default/buckets[/<b>]}) into {@link
 * BucketSettings}, with ns_server's parameter names, checks and messages. Every problem is
 * collected before refusing, so the 400 lists them all: {@code
 * {"errors":{"<field>":"<message>"},"summaries":{...}}}.
 *
 * <p>Settings Settee cannot honour are refused rather than accepted and ignored: a minimum
 * durability other than none, the magma backend, conflict resolution other than seqno, history
 * retention. Compression mode, replica index and thread count are accepted when valid: they change
 * nothing a client can observe on a single node.
 *
 * <p>Of the auto-compaction settings only the metadata purge interval means something here (RocksDB
 * compacts its files by itself): a couchbase bucket gets its own with {@code
 * autoCompactionDefined=true&parallelDBAndViewCompaction=false&purgeInterval=<days>} and goes back
 * to the node's with {@code autoCompactionDefined=false}; an ephemeral bucket takes {@code
 * purgeInterval} alone. Where ns_server would ignore a {@code purgeInterval} (a couchbase bucket
 * without {@code autoCompactionDefined=true}), Settee refuses it, so that nobody believes it set.
 */
final class BucketForm {
  /** Couchbase's smallest bucket quota. */
  static final long MIN_QUOTA_MB = 100;

  static final Set<String> KNOWN =
      Set.of(
          "name",
          "bucketType",
          "ramQuota",
          "ramQuotaMB",
          "replicaNumber",
          "flushEnabled",
          "maxTTL",
          "evictionPolicy",
          "compressionMode",
          "conflictResolutionType",
          "durabilityMinLevel",
          "storageBackend",
          "replicaIndex",
          "numVBuckets",
          "threadsNumber",
          "historyRetentionCollectionDefault",
          "historyRetentionBytes",
          "historyRetentionSeconds",
          "autoCompactionDefined",
          "parallelDBAndViewCompaction",
          "purgeInterval");

  private static final Set<String> COMPRESSION = Set.of("off", "passive", "active");
  private static final Set<String> DURABILITY =
      Set.of("none", "majority", "majorityAndPersistActive", "persistToMajority");

  private final Form form;
  private final MemoryQuota quota;
  private final Map<String, String> errors = new LinkedHashMap<>();
  private long requestedQuotaMb;
  private long othersMb;

  private BucketForm(Form form, MemoryQuota quota) {
    this.form = form;
    this.quota = quota;
  }

  /**
   * The settings of a new bucket.
   *
   * @param existing the node's buckets, for the name and quota checks
   * @throws RestException 400 listing every problem
   */
  static BucketSettings create(
      Form form, Collection<Bucket> existing, MemoryQuota quota, double nodePurgeDays) {
    BucketForm f = new BucketForm(form, quota);
    form.unsupported(KNOWN, f.errors);
    String name = form.get("name");
    if (name == null || name.isEmpty()) {
      f.errors.put("name", "Bucket name needs to be specified");
    } else if (existing.stream().anyMatch(b -> b.name().equalsIgnoreCase(name))) {
      // ns_server compares names case-insensitively: "Default" clashes with "default"
      f.errors.put("name", "Bucket with given name already exists");
    } else {
      f.checkName(name);
    }
    BucketType type = f.type();
    BucketType t = type == null ? BucketType.COUCHBASE : type;
    f.othersMb = MemoryQuota.allocatedMb(existing, null);
    Long quotaMb = f.ramQuota(null);
    int replicas = f.integer("replicaNumber", t == BucketType.MEMCACHED ? 0 : 1, 0, 3);
    boolean flush = f.flag("flushEnabled", false);
    long maxTtl = f.maxTtl(0);
    int vbuckets = f.integer("numVBuckets", BucketSettings.DEFAULT_VBUCKETS, 1, 1024);
    String eviction =
        form.has("evictionPolicy")
            ? form.get("evictionPolicy")
            : t == BucketType.EPHEMERAL ? "noEviction" : "valueOnly";
    f.conflictResolution();
    f.storageBackend(t);
    f.common();
    Double purgeDays =
        f.purgeInterval(
            t,
            t == BucketType.EPHEMERAL ? BucketSettings.DEFAULT_EPHEMERAL_PURGE_INTERVAL_DAYS : null,
            nodePurgeDays);
    if (!f.errors.isEmpty() || type == null || quotaMb == null) {
      throw f.refused();
    }
    return f.build(
        () ->
            new BucketSettings(
                name,
                type,
                quotaMb,
                vbuckets,
                flush,
                replicas,
                maxTtl,
                eviction,
                BucketSettings.newUuid(),
                purgeDays));
  }

  /**
   * The settings {@code current} would have after this update. Only the parameters given change;
   * the ones fixed at creation (type, conflict resolution, storage backend, vBuckets) may be sent
   * again but not changed.
   */
  static BucketSettings update(
      Form form,
      BucketSettings current,
      Collection<Bucket> all,
      MemoryQuota quota,
      double nodePurgeDays) {
    BucketForm f = new BucketForm(form, quota);
    form.unsupported(KNOWN, f.errors);
    if (form.has("name") && !current.name().equals(form.get("name"))) {
      f.errors.put("name", "Bucket name cannot be changed");
    }
    BucketType type = form.has("bucketType") ? f.type() : current.type();
    if (type != null && type != current.type()) {
      f.errors.put("bucketType", "Cannot change bucket type.");
    }
    f.othersMb = MemoryQuota.allocatedMb(all, current.name());
    Long quotaMb = f.ramQuota(current.ramQuotaMb());
    int replicas = f.integer("replicaNumber", current.replicaNumber(), 0, 3);
    boolean flush = f.flag("flushEnabled", current.flushEnabled());
    long maxTtl = f.maxTtl(current.maxTtlSeconds());
    int vbuckets = f.integer("numVBuckets", current.numVBuckets(), 1, 1024);
    if (vbuckets != current.numVBuckets()) {
      f.errors.put("numVBuckets", "Number of vBuckets cannot be changed");
    }
    String eviction =
        form.has("evictionPolicy") ? form.get("evictionPolicy") : current.evictionPolicy();
    if (form.has("conflictResolutionType") && !"seqno".equals(form.get("conflictResolutionType"))) {
      f.errors.put(
          "conflictResolutionType",
          "Conflict resolution type can not be set after bucket creation");
    }
    f.storageBackend(current.type());
    f.common();
    Double purgeDays = f.purgeInterval(current.type(), current.purgeIntervalDays(), nodePurgeDays);
    if (!f.errors.isEmpty()) {
      throw f.refused();
    }
    return f.build(
        () ->
            new BucketSettings(
                current.name(),
                current.type(),
                quotaMb,
                current.numVBuckets(),
                flush,
                replicas,
                maxTtl,
                eviction,
                current.uuid(),
                purgeDays));
  }

  private interface Builder {
    BucketSettings build();
  }

  private BucketSettings build(Builder builder) {
    try {
      return builder.build();
    } catch (InvalidBucketSettingException e) {
      errors.put(e.field(), e.getMessage());
      throw refused();
    }
  }

  // BucketSettings holds Couchbase's name rule: ask it, so both agree.
  private void checkName(String name) {
    try {
      new BucketSettings(name, BucketType.COUCHBASE, MIN_QUOTA_MB, 1, false);
    } catch (InvalidBucketSettingException e) {
      errors.put("name", e.getMessage());
    }
  }

  private BucketType type() {
    String raw = form.get("bucketType");
    if (raw == null) {
      return BucketType.COUCHBASE;
    }
    BucketType type = "membase".equals(raw) ? BucketType.COUCHBASE : BucketType.ofRestName(raw);
    if (type == null) {
      errors.put("bucketType", "invalid bucket type");
    }
    return type;
  }

  /** ramQuota (MiB), or its legacy name ramQuotaMB; null when invalid (error recorded). */
  private Long ramQuota(Long current) {
    String key = form.has("ramQuota") ? "ramQuota" : "ramQuotaMB";
    String raw = form.get(key);
    if (raw == null) {
      if (current == null) {
        errors.put("ramQuota", "The RAM Quota must be specified and must be a positive integer.");
      }
      requestedQuotaMb = current == null ? 0 : current;
      return current;
    }
    Long mb = parseLong(raw);
    if (mb == null || mb <= 0) {
      errors.put("ramQuota", "The RAM Quota must be specified and must be a positive integer.");
      return null;
    }
    requestedQuotaMb = mb;
    if (mb < MIN_QUOTA_MB) {
      errors.put("ramQuota", "RAM quota cannot be less than " + MIN_QUOTA_MB + " MiB");
      return null;
    }
    if (othersMb + mb > quota.nodeMb()) {
      errors.put(
          "ramQuota", "RAM quota specified is too large to be provisioned into this cluster.");
      return null;
    }
    return mb;
  }

  private long maxTtl(long otherwise) {
    String raw = form.get("maxTTL");
    if (raw == null) {
      return otherwise;
    }
    Long v = parseLong(raw);
    if (v == null || v < 0 || v > Integer.MAX_VALUE) {
      errors.put("maxTTL", "Max TTL must be an integer between 0 and " + Integer.MAX_VALUE);
      return otherwise;
    }
    return v;
  }

  private int integer(String key, int otherwise, int min, int max) {
    String raw = form.get(key);
    if (raw == null) {
      return otherwise;
    }
    Long v = parseLong(raw);
    if (v == null || v < min || v > max) {
      errors.put(key, key + " must be an integer between " + min + " and " + max);
      return otherwise;
    }
    return v.intValue();
  }

  private boolean flag(String key, boolean otherwise) {
    String raw = form.get(key);
    if (raw == null) {
      return otherwise;
    }
    if (!raw.equals("0") && !raw.equals("1")) {
      errors.put(key, key + " can only be 1 or 0");
      return otherwise;
    }
    return raw.equals("1");
  }

  private void conflictResolution() {
    String raw = form.get("conflictResolutionType");
    if (raw == null || raw.equals("seqno")) {
      return;
    }
    if (raw.equals("lww") || raw.equals("custom")) {
      errors.put(
          "conflictResolutionType",
          "Conflict resolution type '" + raw + "' is not supported; only 'seqno' is");
    } else {
      errors.put(
          "conflictResolutionType", "Conflict resolution type must be 'seqno', 'lww' or 'custom'");
    }
  }

  private void storageBackend(BucketType type) {
    String raw = form.get("storageBackend");
    if (raw == null) {
      return;
    }
    if (type != BucketType.COUCHBASE) {
      errors.put("storageBackend", "Storage backend can only be set for couchbase buckets");
    } else if (raw.equals("magma")) {
      errors.put("storageBackend", "Storage backend 'magma' is not supported; use 'couchstore'");
    } else if (!raw.equals("couchstore")) {
      errors.put("storageBackend", "Storage backend must be 'couchstore' or 'magma'");
    }
  }

  // Parameters that are the same for create and update.
  private void common() {
    String compression = form.get("compressionMode");
    if (compression != null && !COMPRESSION.contains(compression)) {
      errors.put("compressionMode", "compressionMode can be set to 'off', 'passive' or 'active'");
    }
    String durability = form.get("durabilityMinLevel");
    if (durability != null && !durability.equals("none")) {
      errors.put(
          "durabilityMinLevel",
          DURABILITY.contains(durability)
              ? "Durability minimum level '"
                  + durability
                  + "' is not supported: no synchronous"
                  + " replication yet"
              : "Durability minimum level must be one of " + DURABILITY);
    }
    flag("replicaIndex", false);
    integer("threadsNumber", 3, 2, 8);
    String history = form.get("historyRetentionCollectionDefault");
    if (history != null && !history.equals("false")) {
      errors.put(
          "historyRetentionCollectionDefault",
          history.equals("true")
              ? "History retention can only be used with the magma storage backend"
              : "historyRetentionCollectionDefault must be true or false");
    }
    for (String key : new String[] {"historyRetentionBytes", "historyRetentionSeconds"}) {
      String raw = form.get(key);
      if (raw != null && !raw.equals("0")) {
        errors.put(key, "History retention can only be used with the magma storage backend");
      }
    }
  }

  /**
   * The bucket's purge interval after this form: {@code current} unless the form changes it (null:
   * the node's). Errors are recorded under the parameter at fault.
   */
  private Double purgeInterval(BucketType type, Double current, double nodePurgeDays) {
    String defined = form.get("autoCompactionDefined");
    switch (type) {
      case MEMCACHED -> {
        for (String key : new String[] {"autoCompactionDefined", "parallelDBAndViewCompaction"}) {
          if (form.has(key)) {
            errors.put(key, "Memcached buckets have no auto-compaction settings");
          }
        }
        if (form.has("purgeInterval")) {
          errors.put("purgeInterval", "Memcached buckets have no tombstones to purge");
        }
        return null;
      }
      case EPHEMERAL -> {
        for (String key : new String[] {"autoCompactionDefined", "parallelDBAndViewCompaction"}) {
          if (form.has(key)) {
            errors.put(key, key + " must not be set for ephemeral buckets");
          }
        }
        return PurgeInterval.parse(form, BucketSettings.MIN_EPHEMERAL_PURGE_INTERVAL_DAYS, errors)
            .orElse(current);
      }
      default -> {
        if (defined == null) {
          for (String key : new String[] {"parallelDBAndViewCompaction", "purgeInterval"}) {
            if (form.has(key)) {
              errors.put(
                  key,
                  key
                      + " can only be given with autoCompactionDefined=true for a couchbase bucket");
            }
          }
          return current;
        }
        if (defined.equals("false")) {
          if (form.has("purgeInterval")) {
            errors.put(
                "purgeInterval",
                "purgeInterval cannot be given with autoCompactionDefined=false: the bucket then"
                    + " follows the node's");
          }
          return null;
        }
        if (!defined.equals("true")) {
          errors.put("autoCompactionDefined", "autoCompactionDefined must be true or false");
          return current;
        }
        PurgeInterval.parallelCompaction(form, errors);
        return PurgeInterval.parse(form, BucketSettings.MIN_PURGE_INTERVAL_DAYS, errors)
            .orElse(current != null ? current : nodePurgeDays);
      }
    }
  }

  private static Long parseLong(String raw) {
    try {
      return Long.parseLong(raw.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private RestException refused() {
    return RestException.invalid(errors, summaries());
  }

  /** ns_server's quota picture beside the errors: what the cluster has and what was asked. */
  private ObjectNode summaries() {
    long mib = MemoryQuota.MIB;
    long total = quota.nodeMb() * mib;
    ObjectNode s = Json.object();
    ObjectNode summaries = s.putObject("summaries");
    ObjectNode ram = summaries.putObject("ramSummary");
    ram.put("total", total);
    ram.put("otherBuckets", othersMb * mib);
    ram.put("nodesCount", 1);
    ram.put("perNodeMegs", requestedQuotaMb);
    ram.put("thisAlloc", requestedQuotaMb * mib);
    ram.put("thisUsed", 0);
    ram.put("free", total - othersMb * mib - requestedQuotaMb * mib);
    ObjectNode hdd = summaries.putObject("hddSummary");
    hdd.put("total", 0);
    hdd.put("otherData", 0);
    hdd.put("otherBuckets", 0);
    hdd.put("thisUsed", 0);
    hdd.put("free", 0);
    return s;
  }
}
