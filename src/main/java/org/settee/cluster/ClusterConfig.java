package org.settee.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.settee.kv.BucketSettings;
import org.settee.util.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's identity and configuration version, kept in {@code <data-dir>/config/cluster.json}.
 * Every change clients must see (a bucket created or deleted, a node started with other ports)
 * bumps the revision, which is persisted first so that it never goes backwards, not even across
 * restarts.
 *
 * <pre>
 * {"clusterUUID":"<32 hex>","nodeUUID":"<32 hex>","clusterName":"","revEpoch":1,"rev":7}
 * </pre>
 */
public final class ClusterConfig {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterConfig.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final String clusterUuid;
  private final String nodeUuid;
  private final String clusterName;
  private final List<Consumer<ConfigRevision>> listeners = new CopyOnWriteArrayList<>();
  private volatile ConfigRevision revision;
  private volatile double purgeIntervalDays;

  /** Couchbase's default metadata purge interval. */
  public static final double DEFAULT_PURGE_INTERVAL_DAYS = 3;

  private ClusterConfig(
      Path file,
      String clusterUuid,
      String nodeUuid,
      String clusterName,
      ConfigRevision revision,
      double purgeIntervalDays) {
    this.file = file;
    this.clusterUuid = clusterUuid;
    this.nodeUuid = nodeUuid;
    this.clusterName = clusterName;
    this.revision = revision;
    this.purgeIntervalDays = purgeIntervalDays;
  }

  /**
   * Loads the cluster identity (a first start creates one) and bumps the revision: a restarted node
   * may listen on other ports, and its clients must take the new configuration.
   */
  public static ClusterConfig open(Path file) {
    ClusterConfig config;
    if (Files.exists(file)) {
      try {
        JsonNode n = JSON.readTree(file.toFile());
        config =
            new ClusterConfig(
                file,
                text(n, "clusterUUID"),
                text(n, "nodeUUID"),
                n.path("clusterName").asText(""),
                new ConfigRevision(n.path("revEpoch").asLong(1), n.path("rev").asLong(1)),
                purgeInterval(n));
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException(
            "cannot read cluster configuration " + file + ": " + e.getMessage(), e);
      }
    } else {
      config =
          new ClusterConfig(
              file,
              BucketSettings.newUuid(),
              BucketSettings.newUuid(),
              "",
              new ConfigRevision(1, 0),
              DEFAULT_PURGE_INTERVAL_DAYS);
    }
    config.bump("node start");
    return config;
  }

  // A hand-edited value the REST API would refuse is refused here too, not used by compaction.
  private static double purgeInterval(JsonNode n) {
    JsonNode v = n.path("purgeInterval");
    if (v.isMissingNode()) {
      return DEFAULT_PURGE_INTERVAL_DAYS;
    }
    double days = v.asDouble(Double.NaN);
    if (!v.isNumber()
        || !(days >= BucketSettings.MIN_PURGE_INTERVAL_DAYS
            && days <= BucketSettings.MAX_PURGE_INTERVAL_DAYS)) {
      throw new IllegalStateException(
          "purgeInterval " + v + " is not a number of days between 0.04 and 60");
    }
    return days;
  }

  private static String text(JsonNode n, String field) {
    String value = n.path(field).asText("");
    if (value.isEmpty()) {
      throw new IllegalStateException("missing " + field);
    }
    return value;
  }

  public String clusterUuid() {
    return clusterUuid;
  }

  public String nodeUuid() {
    return nodeUuid;
  }

  public String clusterName() {
    return clusterName;
  }

  public ConfigRevision revision() {
    return revision;
  }

  /**
   * The node's metadata purge interval in days: how old a tombstone must be before compaction
   * purges it, in every bucket without its own ({@code /settings/autoCompaction}).
   */
  public double purgeIntervalDays() {
    return purgeIntervalDays;
  }

  /**
   * Records a new node-wide purge interval, then uses it.
   *
   * @throws UncheckedIOException when it cannot be written (the interval stays as it was)
   */
  public synchronized void setPurgeIntervalDays(double days) {
    persist(revision, days);
    purgeIntervalDays = days;
  }

  /** Called with the new revision after every change, on the thread that made the change. */
  public void onChange(Consumer<ConfigRevision> listener) {
    listeners.add(listener);
  }

  /** Moves to the next revision, persists it, then tells the listeners. */
  public ConfigRevision bump(String why) {
    ConfigRevision next;
    synchronized (this) {
      next = new ConfigRevision(revision.epoch(), revision.rev() + 1);
      persist(next, purgeIntervalDays);
      revision = next;
    }
    LOG.debug("cluster configuration rev {} ({})", next.rev(), why);
    for (Consumer<ConfigRevision> listener : listeners) {
      listener.accept(next);
    }
    return next;
  }

  private void persist(ConfigRevision r, double purgeDays) {
    ObjectNode n = JSON.createObjectNode();
    n.put("clusterUUID", clusterUuid);
    n.put("nodeUUID", nodeUuid);
    n.put("clusterName", clusterName);
    n.put("revEpoch", r.epoch());
    n.put("rev", r.rev());
    n.put("purgeInterval", purgeDays);
    try {
      AtomicFiles.write(file, JSON.writeValueAsBytes(n));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write cluster configuration " + file, e);
    }
  }
}
