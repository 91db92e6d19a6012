package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 * {@code POST .../controller/compactBucket}, what {@code couchbase-cli bucket-compact} calls: it
 * purges the tombstones older than the metadata purge interval (3 days), in memory and on disk.
 */
class CompactBucketRestIT {
  private static final String BUCKETS = "/pools/default/buckets";
  private static final String BUCKET = EmbeddedNode.DEFAULT_BUCKET;

  @TempDir Path dir;

  @Test
  void purgesTombstonesPastThePurgeIntervalInMemoryAndOnDisk() {
    ManualClock clock = new ManualClock(System.currentTimeMillis());
    Map<Integer, Long> deletedUpTo = new HashMap<>();
    try (EmbeddedNode node = EmbeddedNode.start(dir, o -> o.clock(clock))) {
      RestClient admin = admin(node);
      Bucket bucket = node.node().buckets().get(BUCKET);
      try (KvTestClient kv = node.admin()) {
        for (int i = 0; i < 20; i++) {
          assertThat(kv.set("doc" + i, "x").isSuccess()).isTrue();
        }
        for (int i = 0; i < 10; i++) {
          assertThat(kv.delete("doc" + i, 0).isSuccess()).isTrue();
          VBucket vb = bucket.vbucket(kv.vbucketOf("doc" + i));
          deletedUpTo.merge(vb.id(), vb.highSeqno(), Math::max);
        }
      }
      awaitPersisted(bucket);

      assertThat(admin.post(BUCKETS + "/" + BUCKET + "/controller/compactBucket", "").statusCode())
          .isEqualTo(200);
      deletedUpTo.keySet().forEach(vb -> assertThat(bucket.vbucket(vb).purgeSeqno()).isZero());
      assertThat(tombstone(bucket, "doc0").status())
          .as("too young to purge")
          .isEqualTo(Status.SUCCESS);
      assertThat(tombstone(bucket, "doc0").item().deleted()).isTrue();

      clock.advanceSeconds(Duration.ofDays(3).toSeconds() + 1);
      assertThat(admin.post(BUCKETS + "/" + BUCKET + "/controller/compactBucket", "").statusCode())
          .as("past the purge interval")
          .isEqualTo(200);
      deletedUpTo.forEach(
          (vb, seqno) ->
              assertThat(bucket.vbucket(vb).purgeSeqno()).as("vb %d", vb).isEqualTo(seqno));
      assertThat(bucket.itemCount()).as("live documents stay").isEqualTo(10);
    }
    // The disk purge ran on the storage thread; a clean stop runs what was queued before closing,
    // and warmup reads the purge seqno back from each vBucket's state.
    try (EmbeddedNode node = EmbeddedNode.start(dir, o -> o.clock(clock))) {
      Bucket bucket = node.node().buckets().get(BUCKET);
      deletedUpTo.forEach(
          (vb, seqno) ->
              assertThat(bucket.vbucket(vb).purgeSeqno()).as("vb %d", vb).isEqualTo(seqno));
      for (int i = 0; i < 10; i++) {
        // A tombstone left on disk would be back in memory after warmup.
        assertThat(tombstone(bucket, "doc" + i).status())
            .as("doc%d's tombstone is gone from disk", i)
            .isEqualTo(Status.KEY_ENOENT);
      }
      try (KvTestClient kv = node.admin()) {
        assertThat(kv.get("doc0").isSuccess()).as("deleted").isFalse();
        assertThat(kv.get("doc15").isSuccess()).isTrue();
      }
    }
  }

  @Test
  void isOfferedForCouchbaseBucketsOnlyAndNeedsTheBucketsAdmin() {
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      RestClient admin = admin(node);
      assertThat(
              admin
                  .post(
                      BUCKETS,
                      RestClient.form(
                          "name", "cache", "bucketType", "memcached", "ramQuota", "100"))
                  .statusCode())
          .isEqualTo(202);
      assertThat(
              admin
                  .post(
                      BUCKETS,
                      RestClient.form("name", "mem", "bucketType", "ephemeral", "ramQuota", "100"))
                  .statusCode())
          .isEqualTo(202);

      var controllers = RestClient.json(admin.get(BUCKETS + "/" + BUCKET)).path("controllers");
      assertThat(controllers.path("compactAll").asText())
          .isEqualTo(BUCKETS + "/" + BUCKET + "/controller/compactBucket");
      assertThat(controllers.path("compactDB").asText())
          .isEqualTo(BUCKETS + "/" + BUCKET + "/controller/compactDatabases");
      assertThat(
              admin.post(BUCKETS + "/" + BUCKET + "/controller/compactDatabases", "").statusCode())
          .isEqualTo(200);

      List<String> refused = new ArrayList<>();
      for (String other : List.of("cache", "mem")) {
        assertThat(
                RestClient.json(admin.get(BUCKETS + "/" + other))
                    .path("controllers")
                    .has("compactAll"))
            .isFalse();
        HttpResponse<String> r =
            admin.post(BUCKETS + "/" + other + "/controller/compactBucket", "");
        assertThat(r.statusCode()).as(other).isEqualTo(400);
        refused.add(RestClient.json(r).path("_").asText());
      }
      assertThat(refused).containsOnly("Only couchbase buckets can be compacted");
      assertThat(admin.post(BUCKETS + "/nosuch/controller/compactBucket", "").statusCode())
          .isEqualTo(404);

      node.addUser("reader", "reader-pw", "data_reader[" + BUCKET + "]");
      HttpResponse<String> denied =
          RestClient.as(node.node().mgmtPort(), "reader", "reader-pw")
              .post(BUCKETS + "/" + BUCKET + "/controller/compactBucket", "");
      assertThat(denied.statusCode()).isEqualTo(403);
      assertThat(RestClient.json(denied).path("permissions").get(0).asText())
          .isEqualTo("cluster.bucket[" + BUCKET + "]!compact");
      node.addUser("owner", "owner-pw", "bucket_admin[" + BUCKET + "]");
      assertThat(
              RestClient.as(node.node().mgmtPort(), "owner", "owner-pw")
                  .post(BUCKETS + "/" + BUCKET + "/controller/compactBucket", "")
                  .statusCode())
          .isEqualTo(200);
    }
  }

  /** What memory holds for the key, tombstones included (GET_META). */
  private static org.settee.kv.KvResult tombstone(Bucket bucket, String key) {
    int vb =
        KvTestClient.vbucketOf(
            key.getBytes(java.nio.charset.StandardCharsets.US_ASCII), bucket.numVBuckets());
    return bucket.vbucket(vb).getMeta(ItemKey.of(key));
  }

  private static RestClient admin(EmbeddedNode node) {
    return RestClient.as(node.node().mgmtPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
  }

  private static void awaitPersisted(Bucket bucket) {
    assertThat(EmbeddedNode.awaitPersisted(bucket)).as("persisted").isTrue();
  }
}
