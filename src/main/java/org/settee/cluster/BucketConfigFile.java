package org.settee.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.util.AtomicFiles;

/**
 * The node's bucket definitions on disk ({@code <data-dir>/config/buckets.json}), written
 * atomically (temp file, fsync, rename) so a crash leaves the old or the new list, never half.
 *
 * <pre>
 * [ {"name":"default","uuid":"<32 hex>","type":"couchbase","ramQuotaMb":256,"numVBuckets":1024,
 *     "flushEnabled":true,"replicaNumber":0,"maxTTL":0,"evictionPolicy":"valueOnly",
 *     "purgeInterval":0.5} ]
 * </pre>
 *
 * <p>{@code purgeInterval} (days) is there only when the bucket has its own.
 */
public final class BucketConfigFile {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path file;

  public BucketConfigFile(Path file) {
    this.file = file;
  }

  public Path path() {
    return file;
  }

  public boolean exists() {
    return Files.exists(file);
  }

  /** Reads the definitions; a file that is not ours fails with a message naming it. */
  public List<BucketSettings> load() {
    try {
      List<Map<String, Object>> raw = JSON.readValue(file.toFile(), new TypeReference<>() {});
      List<BucketSettings> result = new ArrayList<>();
      for (Map<String, Object> m : raw) {
        BucketType type = BucketType.ofRestName(String.valueOf(m.get("type")));
        result.add(
            new BucketSettings(
                (String) m.get("name"),
                type,
                ((Number) m.get("ramQuotaMb")).longValue(),
                ((Number) m.get("numVBuckets")).intValue(),
                Boolean.TRUE.equals(m.get("flushEnabled")),
                ((Number) m.getOrDefault("replicaNumber", 0)).intValue(),
                ((Number) m.getOrDefault("maxTTL", 0)).longValue(),
                (String) m.getOrDefault("evictionPolicy", "valueOnly"),
                (String) m.get("uuid"),
                purgeInterval(m, type)));
      }
      return result;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot read bucket configuration " + file + ": " + e.getMessage(), e);
    }
  }

  // Files written before the setting existed have none: each type's default then.
  private static Double purgeInterval(Map<String, Object> m, BucketType type) {
    Object raw = m.get("purgeInterval");
    if (raw instanceof Number n) {
      return n.doubleValue();
    }
    return type == BucketType.EPHEMERAL
        ? BucketSettings.DEFAULT_EPHEMERAL_PURGE_INTERVAL_DAYS
        : null;
  }

  public void save(List<BucketSettings> buckets) {
    List<Map<String, Object>> raw = new ArrayList<>();
    for (BucketSettings b : buckets) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", b.name());
      m.put("uuid", b.uuid());
      m.put("type", b.type().restName());
      m.put("ramQuotaMb", b.ramQuotaMb());
      m.put("numVBuckets", b.numVBuckets());
      m.put("flushEnabled", b.flushEnabled());
      m.put("replicaNumber", b.replicaNumber());
      m.put("maxTTL", b.maxTtlSeconds());
      m.put("evictionPolicy", b.evictionPolicy());
      if (b.purgeIntervalDays() != null) {
        m.put("purgeInterval", b.purgeIntervalDays());
      }
      raw.add(m);
    }
    try {
      AtomicFiles.write(file, JSON.writeValueAsBytes(raw));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write bucket configuration " + file, e);
    }
  }
}
