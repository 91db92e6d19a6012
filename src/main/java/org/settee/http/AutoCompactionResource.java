package org.settee.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.settee.cluster.ClusterConfig;
import org.settee.kv.BucketSettings;

/**
 * The node's auto-compaction settings ({@code GET /settings/autoCompaction}, {@code POST
 * /controller/setAutoCompaction}, what {@code couchbase-cli setting-compaction} calls), in
 * ns_server's shape. Of them only the metadata purge interval means something here: it is how old a
 * tombstone must be before compaction purges it, in every couchbase bucket without its own. The
 * fragmentation thresholds and time windows are refused, naming why: RocksDB compacts its files by
 * itself, and a setting accepted and ignored would mislead.
 */
final class AutoCompactionResource {
  private static final Set<String> KNOWN = Set.of("parallelDBAndViewCompaction", "purgeInterval");

  /** ns_server's other compaction parameters (some with a {@code [field]} suffix). */
  private static final List<String> FRAGMENTATION_AND_WINDOWS =
      List.of(
          "databaseFragmentationThreshold",
          "viewFragmentationThreshold",
          "indexFragmentationThreshold",
          "magmaFragmentationPercentage",
          "allowedTimePeriod",
          "indexCompactionMode",
          "indexCircularCompaction");

  private final ClusterConfig config;

  AutoCompactionResource(ClusterConfig config) {
    this.config = config;
  }

  /**
   * GET: {@code
   * {"autoCompactionSettings":{"parallelDBAndViewCompaction":false},"purgeInterval":3}}.
   */
  RestResponse get(RestRequest request) {
    ObjectNode body = Json.object();
    body.putObject("autoCompactionSettings").put("parallelDBAndViewCompaction", false);
    PurgeInterval.put(body, config.purgeIntervalDays());
    return RestResponse.json(body);
  }

  /**
   * POST: {@code parallelDBAndViewCompaction} (required, as in ns_server) and {@code purgeInterval}
   * (days, 0.04 to 60). 200 with {@code []} once recorded; 400 listing every problem; {@code
   * just_validate=1} checks only.
   */
  RestResponse set(RestRequest request) {
    Form form = request.form();
    Map<String, String> errors = new LinkedHashMap<>();
    for (String key : form.keys()) {
      if (FRAGMENTATION_AND_WINDOWS.stream().anyMatch(key::startsWith)) {
        errors.put(
            key,
            "not supported: Settee's storage compacts its files by itself; only purgeInterval and"
                + " parallelDBAndViewCompaction can be set");
      } else if (!KNOWN.contains(key)) {
        errors.put(key, "Unsupported key");
      }
    }
    PurgeInterval.parallelCompaction(form, errors);
    var days = PurgeInterval.parse(form, BucketSettings.MIN_PURGE_INTERVAL_DAYS, errors);
    if (!errors.isEmpty()) {
      throw RestException.invalid(errors, null);
    }
    if ("1".equals(request.query("just_validate"))) {
      return RestResponse.json(Json.object().set("errors", Json.object()));
    }
    if (days.isPresent() && days.get() != config.purgeIntervalDays()) {
      try {
        config.setPurgeIntervalDays(days.get());
      } catch (UncheckedIOException e) {
        throw BucketsResource.diskRefused("auto-compaction settings not changed", e);
      }
    }
    return RestResponse.json(HttpResponseStatus.OK, Json.array());
  }
}
