package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.Bucket;
import org.settee.kv.ItemKey;
import org.settee.kv.VBucket;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.util.ManualClock;

/**
 * The metadata purge interval: the node's ({@code /settings/autoCompaction}, {@code
 * /controller/setAutoCompaction}) and a bucket's own ({@code autoCompactionDefined=true} with
 * {@code purgeInterval} for a couchbase bucket, {@code purgeInterval} alone for an ephemeral one),
 * with ns_server's checks, kept across a restart, and obeyed by compaction.
 */
class PurgeIntervalRestIT {
  private static final String BUCKETS = "/pools/default/buckets";
  private static final String SETTINGS = "/settings/autoCompaction";
  private static final String SET = "/controller/setAutoCompaction";
  private static final String DEFAULT = EmbeddedNode.DEFAULT_BUCKET;

  @TempDir Path dir;

  @Test
  void theNodesIntervalIsCheckedAsNsServerDoesAndSurvivesARestart() {
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      RestClient admin = admin(node);
      HttpResponse<String> first = admin.get(SETTINGS);
      assertThat(first.body())
          .as("an integer, as ns_server shows it")
          .contains("\"purgeInterval\":3}");
      JsonNode initial = RestClient.json(first);
      assertThat(initial.path("purgeInterval").asDouble()).as("Couchbase's default").isEqualTo(3.0);
      assertThat(
              initial
                  .path("autoCompactionSettings")
                  .path("parallelDBAndViewCompaction")
                  .isBoolean())
          .isTrue();

      assertThat(errors(admin.post(SET, RestClient.form("purgeInterval", "1"))))
          .containsEntry("parallelDBAndViewCompaction", "parallelDBAndViewCompaction is missing");
      assertThat(errors(admin.post(SET, form("0.01"))))
          .containsEntry(
              "purgeInterval", "metadata purge interval is too small. Allowed range is 0.04 - 60");
      assertThat(errors(admin.post(SET, form("61"))))
          .containsEntry(
              "purgeInterval", "metadata purge interval is too large. Allowed range is 0.04 - 60");
      for (String notANumber : new String[] {"soon", "1e1", ".5", "NaN", "Infinity", "0x1p1", ""}) {
        assertThat(errors(admin.post(SET, form(notANumber))))
            .as(notANumber)
            .containsEntry("purgeInterval", "metadata purge interval must be a number");
      }
      HttpResponse<String> fragmentation =
          admin.post(
              SET,
              RestClient.form(
                  "parallelDBAndViewCompaction",
                  "false",
                  "databaseFragmentationThreshold[percentage]",
                  "30"));
      assertThat(errors(fragmentation).get("databaseFragmentationThreshold[percentage]"))
          .startsWith("not supported: Settee's storage compacts its files by itself");
      HttpResponse<String> validateOnly = admin.post(SET + "?just_validate=1", form("0.5"));
      assertThat(validateOnly.statusCode()).isEqualTo(200);
      assertThat(RestClient.json(admin.get(SETTINGS)).path("purgeInterval").asDouble())
          .as("refused and validated-only requests change nothing")
          .isEqualTo(3.0);

      HttpResponse<String> set = admin.post(SET, form("0.5"));
      assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
      assertThat(set.body()).isEqualTo("[]");
      assertThat(RestClient.json(admin.get(SETTINGS)).path("purgeInterval").asDouble())
          .isEqualTo(0.5);

      node.addUser("reader", "reader-pw", "data_reader[" + DEFAULT + "]");
      HttpResponse<String> denied =
          RestClient.as(node.node().mgmtPort(), "reader", "reader-pw").post(SET, form("1"));
      assertThat(denied.statusCode()).isEqualTo(403);
      assertThat(RestClient.json(denied).path("permissions").get(0).asText())
          .isEqualTo("cluster.settings!write");
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      assertThat(RestClient.json(admin(node).get(SETTINGS)).path("purgeInterval").asDouble())
          .as("kept in cluster.json")
          .isEqualTo(0.5);
    }
  }

  @Test
  void bucketsTakeTheirOwnIntervalOrFollowTheNodes() {
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      RestClient admin = admin(node);
      assertThat(bucketJson(admin, DEFAULT).path("autoCompactionSettings").asBoolean(true))
          .as("follows the node's")
          .isFalse();
      assertThat(bucketJson(admin, DEFAULT).has("purgeInterval")).isFalse();

      createOwnBucket(admin, "1024");
      JsonNode ownJson = bucketJson(admin, "own");
      assertThat(ownJson.path("purgeInterval").asDouble()).isEqualTo(2.0);
      assertThat(ownJson.path("autoCompactionSettings").isObject()).isTrue();

      // ns_server would ignore a purgeInterval without autoCompactionDefined=true: refused here.
      assertThat(errors(admin.post(BUCKETS + "/" + DEFAULT, RestClient.form("purgeInterval", "1"))))
          .containsKey("purgeInterval");
      assertThat(
              errors(
                  admin.post(
                      BUCKETS + "/" + DEFAULT,
                      RestClient.form("autoCompactionDefined", "true", "purgeInterval", "1"))))
          .containsEntry("parallelDBAndViewCompaction", "parallelDBAndViewCompaction is missing");
      assertThat(
              errors(
                  admin.post(
                      BUCKETS,
                      RestClient.form(
                          "name",
                          "mem",
                          "bucketType",
                          "ephemeral",
                          "ramQuota",
                          "100",
                          "autoCompactionDefined",
                          "true"))))
          .containsEntry(
              "autoCompactionDefined",
              "autoCompactionDefined must not be set for ephemeral buckets");
      assertThat(
              errors(
                  admin.post(
                      BUCKETS,
                      RestClient.form(
                          "name",
                          "cache",
                          "bucketType",
                          "memcached",
                          "ramQuota",
                          "100",
                          "purgeInterval",
                          "1"))))
          .containsKey("purgeInterval");

      assertThat(
              admin
                  .post(
                      BUCKETS,
                      RestClient.form("name", "mem", "bucketType", "ephemeral", "ramQuota", "100"))
                  .statusCode())
          .isEqualTo(202);
      assertThat(bucketJson(admin, "mem").path("purgeInterval").asDouble())
          .as("ns_server's default for ephemeral buckets")
          .isEqualTo(1.0);
      assertThat(
              admin.post(BUCKETS + "/mem", RestClient.form("purgeInterval", "0.0007")).statusCode())
          .as("ephemeral buckets may purge within minutes")
          .isEqualTo(200);
      assertThat(bucketJson(admin, "mem").path("purgeInterval").asDouble()).isEqualTo(0.0007);
      assertThat(
              errors(
                  admin.post(
                      BUCKETS + "/own",
                      RestClient.form(
                          "autoCompactionDefined",
                          "true",
                          "parallelDBAndViewCompaction",
                          "false",
                          "purgeInterval",
                          "0.0007"))))
          .containsEntry(
              "purgeInterval", "metadata purge interval is too small. Allowed range is 0.04 - 60");

      // Following the node's again, then its own once more.
      assertThat(
              admin
                  .post(
                      BUCKETS + "/" + DEFAULT,
                      RestClient.form(
                          "autoCompactionDefined", "true", "parallelDBAndViewCompaction", "false"))
                  .statusCode())
          .isEqualTo(200);
      assertThat(bucketJson(admin, DEFAULT).path("purgeInterval").asDouble())
          .as("its own, fixed at the node's value when it was defined")
          .isEqualTo(3.0);
      assertThat(
              admin
                  .post(BUCKETS + "/" + DEFAULT, RestClient.form("autoCompactionDefined", "false"))
                  .statusCode())
          .isEqualTo(200);
      assertThat(bucketJson(admin, DEFAULT).path("autoCompactionSettings").asBoolean(true))
          .isFalse();
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      RestClient admin = admin(node);
      assertThat(bucketJson(admin, "own").path("purgeInterval").asDouble())
          .as("kept in buckets.json")
          .isEqualTo(2.0);
      assertThat(bucketJson(admin, "mem").path("purgeInterval").asDouble()).isEqualTo(0.0007);
      assertThat(bucketJson(admin, DEFAULT).has("purgeInterval")).isFalse();
    }
  }

  @Test
  void compactionPurgesEachBucketsTombstonesByTheIntervalThatAppliesToIt() {
    ManualClock clock = new ManualClock(System.currentTimeMillis());
    try (EmbeddedNode node = EmbeddedNode.start(dir, o -> o.clock(clock))) {
      RestClient admin = admin(node);
      int vbuckets = node.node().buckets().get(DEFAULT).numVBuckets();
      createOwnBucket(admin, Integer.toString(vbuckets));
      assertThat(admin.post(SET, form("0.5")).statusCode()).isEqualTo(200);
      leaveTombstone(node, DEFAULT, "own");
      Bucket followsNode = node.node().buckets().get(DEFAULT);
      Bucket ownInterval = node.node().buckets().get("own");
      // Only tombstones already on disk are purged.
      awaitPersisted(followsNode);
      awaitPersisted(ownInterval);

      clock.advanceSeconds(Duration.ofHours(12).toSeconds() + 1);
      compact(admin, DEFAULT);
      compact(admin, "own");
      assertThat(tombstone(followsNode, "gone").status())
          .as("past the node's 0.5 days: purged")
          .isEqualTo(Status.KEY_ENOENT);
      assertThat(tombstone(ownInterval, "gone").item().deleted())
          .as("younger than the bucket's own 2 days: kept")
          .isTrue();

      clock.advanceSeconds(Duration.ofDays(2).toSeconds());
      node.node().compact();
      assertThat(tombstone(ownInterval, "gone").status())
          .as("the hourly compaction, past 2 days")
          .isEqualTo(Status.KEY_ENOENT);
      VBucket vb = ownInterval.vbucket(vbucketOf(ownInterval, "gone"));
      assertThat(vb.purgeSeqno()).isEqualTo(vb.highSeqno());
    }
  }

  private static void awaitPersisted(Bucket bucket) {
    assertThat(EmbeddedNode.awaitPersisted(bucket)).as("%s persisted", bucket.name()).isTrue();
  }

  @Test
  void ephemeralBucketsPurgeEveryMinuteAndOnlyThem() {
    ManualClock clock = new ManualClock(System.currentTimeMillis());
    try (EmbeddedNode node = EmbeddedNode.start(dir, o -> o.clock(clock))) {
      RestClient admin = admin(node);
      int vbuckets = node.node().buckets().get(DEFAULT).numVBuckets();
      HttpResponse<String> mem =
          admin.post(
              BUCKETS,
              RestClient.form(
                  "name",
                  "mem",
                  "bucketType",
                  "ephemeral",
                  "ramQuota",
                  "100",
                  "numVBuckets",
                  Integer.toString(vbuckets),
                  "purgeInterval",
                  "0.0007"));
      assertThat(mem.statusCode()).as(mem.body()).isEqualTo(202);
      assertThat(admin.post(SET, form("0.04")).statusCode()).isEqualTo(200);
      leaveTombstone(node, DEFAULT, "mem");
      Bucket couchbase = node.node().buckets().get(DEFAULT);
      Bucket ephemeral = node.node().buckets().get("mem");
      awaitPersisted(couchbase);

      clock.advanceSeconds(Duration.ofMinutes(1).toSeconds());
      node.node().purgeEphemeralTombstones();
      assertThat(tombstone(ephemeral, "gone").item().deleted())
          .as("60 s is short of 0.0007 days (60.48 s)")
          .isTrue();

      // Past both intervals (0.0007 and 0.04 days): the minutely pass takes the ephemeral
      // bucket's tombstone only; the couchbase bucket's waits for its compaction.
      clock.advanceSeconds(Duration.ofHours(1).toSeconds());
      node.node().purgeEphemeralTombstones();
      assertThat(tombstone(ephemeral, "gone").status()).isEqualTo(Status.KEY_ENOENT);
      assertThat(tombstone(couchbase, "gone").item().deleted()).isTrue();
      node.node().compact();
      assertThat(tombstone(couchbase, "gone").status()).isEqualTo(Status.KEY_ENOENT);
    }
  }

  /** Writes and deletes {@code gone} in each bucket, now by the node's clock. */
  private static void leaveTombstone(EmbeddedNode node, String... buckets) {
    for (String name : buckets) {
      try (KvTestClient kv =
          node.connectAs(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, name)) {
        assertThat(kv.set("gone", "x").isSuccess()).isTrue();
        assertThat(kv.delete("gone", 0).isSuccess()).isTrue();
      }
    }
  }

  /** A couchbase bucket {@code own} with its own purge interval: 2 days. */
  private static void createOwnBucket(RestClient admin, String numVBuckets) {
    HttpResponse<String> r =
        admin.post(
            BUCKETS,
            RestClient.form(
                "name",
                "own",
                "ramQuota",
                "100",
                "numVBuckets",
                numVBuckets,
                "autoCompactionDefined",
                "true",
                "parallelDBAndViewCompaction",
                "false",
                "purgeInterval",
                "2"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
  }

  private static void compact(RestClient admin, String bucket) {
    assertThat(admin.post(BUCKETS + "/" + bucket + "/controller/compactBucket", "").statusCode())
        .isEqualTo(200);
  }

  private static String form(String purgeInterval) {
    return RestClient.form("parallelDBAndViewCompaction", "false", "purgeInterval", purgeInterval);
  }

  /** The 400's {@code errors}: parameter to message. */
  private static Map<String, String> errors(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    Map<String, String> errors = new LinkedHashMap<>();
    RestClient.json(r)
        .path("errors")
        .properties()
        .forEach(e -> errors.put(e.getKey(), e.getValue().asText()));
    return errors;
  }

  private static JsonNode bucketJson(RestClient admin, String bucket) {
    HttpResponse<String> r = admin.get(BUCKETS + "/" + bucket);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return RestClient.json(r);
  }

  private static int vbucketOf(Bucket bucket, String key) {
    return KvTestClient.vbucketOf(key.getBytes(StandardCharsets.US_ASCII), bucket.numVBuckets());
  }

  /** What memory holds for the key, tombstones included (GET_META). */
  private static org.settee.kv.KvResult tombstone(Bucket bucket, String key) {
    return bucket.vbucket(vbucketOf(bucket, key)).getMeta(ItemKey.of(key));
  }

  private static RestClient admin(EmbeddedNode node) {
    return RestClient.as(node.node().mgmtPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
  }
}
