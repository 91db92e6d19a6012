package org.settee.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.Bucket;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;

/** Bucket management over REST, as the SDK's BucketManager and couchbase-cli use it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BucketsRestIT {
  static final String BUCKETS = "/pools/default/buckets";

  @TempDir static Path dataDir;
  static EmbeddedNode node;
  static RestClient admin;
  static int port;

  @BeforeAll
  static void start() {
    node = EmbeddedNode.start(dataDir);
    port = node.node().mgmtPort();
    admin = RestClient.as(port, EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static HttpResponse<String> create(String... pairs) {
    return admin.post(BUCKETS, RestClient.form(pairs));
  }

  static List<String> bucketNames() {
    List<String> names = new ArrayList<>();
    RestClient.json(admin.get(BUCKETS)).forEach(b -> names.add(b.path("name").asText()));
    return names;
  }

  @Test
  void aCreatedBucketIsListedServedOnKvAndGoneAfterDelete() {
    HttpResponse<String> created =
        create(
            "name",
            "travel",
            "bucketType",
            "couchbase",
            "ramQuota",
            "100",
            "numVBuckets",
            "64",
            "flushEnabled",
            "1",
            "replicaNumber",
            "0");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
    assertThat(created.headers().firstValue("Location")).hasValue(BUCKETS + "/travel");
    assertThat(bucketNames()).contains("travel", "default");

    JsonNode b = RestClient.json(admin.get(BUCKETS + "/travel"));
    assertThat(b.path("name").asText()).isEqualTo("travel");
    assertThat(b.path("bucketType").asText()).isEqualTo("membase");
    assertThat(b.path("uuid").asText())
        .isEqualTo(node.node().buckets().get("travel").settings().uuid());
    assertThat(b.path("numVBuckets").asInt()).isEqualTo(64);
    assertThat(b.path("vBucketServerMap").path("vBucketMap").size()).isEqualTo(64);
    assertThat(b.path("nodes").get(0).path("status").asText()).isEqualTo("healthy");
    assertThat(b.path("nodes").get(0).path("hostname").asText()).isEqualTo("127.0.0.1:" + port);
    assertThat(b.path("controllers").path("flush").asText())
        .isEqualTo(BUCKETS + "/travel/controller/doFlush");
    assertThat(b.path("quota").path("rawRAM").asLong()).isEqualTo(100L * 1024 * 1024);
    assertThat(b.path("quota").path("ram").asLong()).isEqualTo(100L * 1024 * 1024);
    assertThat(b.path("replicaNumber").asInt()).isZero();
    assertThat(b.path("replicaIndex").asBoolean(true)).isFalse();
    assertThat(b.path("maxTTL").asInt()).isZero();
    assertThat(b.path("evictionPolicy").asText()).isEqualTo("valueOnly");
    assertThat(b.path("compressionMode").asText()).isEqualTo("passive");
    assertThat(b.path("conflictResolutionType").asText()).isEqualTo("seqno");
    assertThat(b.path("durabilityMinLevel").asText()).isEqualTo("none");
    assertThat(b.path("storageBackend").asText()).isEqualTo("couchstore");
    assertThat(b.path("basicStats").path("itemCount").asLong()).isZero();
    assertThat(b.toString()).doesNotContain("$HOST");
    // The uri the object gives leads back to it; with another bucket's UUID it does not.
    assertThat(admin.get(b.path("uri").asText()).statusCode()).isEqualTo(200);
    assertThat(admin.get(BUCKETS + "/travel?bucket_uuid=0123").statusCode()).isEqualTo(404);

    try (KvTestClient kv = KvTestClient.connect(node.kvPort(), 64)) {
      kv.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "travel");
      assertThat(kv.set("k", "v").isSuccess()).isTrue();
      assertThat(KvTestClient.text(kv.get("k").value())).isEqualTo("v");
    }
    assertThat(
            RestClient.json(admin.get(BUCKETS + "/travel"))
                .path("basicStats")
                .path("itemCount")
                .asLong())
        .isEqualTo(1);

    assertThat(admin.delete(BUCKETS + "/travel").statusCode()).isEqualTo(200);
    HttpResponse<String> gone = admin.get(BUCKETS + "/travel");
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(gone.body()).startsWith("Requested resource not found.");
    assertThat(bucketNames()).doesNotContain("travel");
    try (KvTestClient kv = KvTestClient.connect(node.kvPort(), 64)) {
      assertThat(kv.authPlain(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD).isSuccess())
          .isTrue();
      assertThat(kv.selectBucket("travel").status()).isEqualTo(Status.KEY_ENOENT);
    }
    assertThat(admin.delete(BUCKETS + "/travel").statusCode()).isEqualTo(404);
  }

  @Test
  void anExistingNameIsRefusedWithCouchbasesMessage() {
    for (String name : new String[] {"default", "DEFAULT"}) {
      HttpResponse<String> r = create("name", name, "ramQuota", "100");
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("Bucket with given name already exists");
      JsonNode n = RestClient.json(r);
      assertThat(n.path("errors").path("name").asText())
          .isEqualTo("Bucket with given name already exists");
      assertThat(n.path("summaries").path("ramSummary").path("total").asLong()).isPositive();
    }
  }

  @Test
  void badParametersAreRefusedNamingTheFieldAndNothingIsCreated() {
    List<String> before = bucketNames();
    String[][] cases = {
      {"bucketType", "name", "b1", "ramQuota", "100", "bucketType", "bogus"},
      {"ramQuota", "name", "b2", "ramQuota", "abc"},
      {"ramQuota", "name", "b3", "ramQuota", "50"},
      {"ramQuota", "name", "b4", "ramQuota", "99999999"},
      {"ramQuota", "name", "b5"},
      {"name", "name", "bad!name", "ramQuota", "100"},
      {"name", "name", ".dot", "ramQuota", "100"},
      {"name", "ramQuota", "100"},
      {"numVBuckets", "name", "b6", "ramQuota", "100", "numVBuckets", "3"},
      {"numVBuckets", "name", "b7", "ramQuota", "100", "numVBuckets", "x"},
      {"replicaNumber", "name", "b8", "ramQuota", "100", "replicaNumber", "9"},
      {"flushEnabled", "name", "b9", "ramQuota", "100", "flushEnabled", "2"},
      {"maxTTL", "name", "b10", "ramQuota", "100", "maxTTL", "-1"},
      {"evictionPolicy", "name", "b11", "ramQuota", "100", "evictionPolicy", "noEviction"},
      {"compressionMode", "name", "b12", "ramQuota", "100", "compressionMode", "max"},
      {"durabilityMinLevel", "name", "b13", "ramQuota", "100", "durabilityMinLevel", "majority"},
      {"storageBackend", "name", "b14", "ramQuota", "100", "storageBackend", "magma"},
      {"conflictResolutionType", "name", "b15", "ramQuota", "100", "conflictResolutionType", "lww"},
      {"colour", "name", "b16", "ramQuota", "100", "colour", "blue"},
    };
    for (String[] c : cases) {
      String field = c[0];
      String[] form = java.util.Arrays.copyOfRange(c, 1, c.length);
      HttpResponse<String> r = create(form);
      assertThat(r.statusCode()).as(String.join(" ", form)).isEqualTo(400);
      JsonNode errors = RestClient.json(r).path("errors");
      assertThat(errors.has(field)).as(r.body()).isTrue();
      assertThat(errors.path(field).asText()).isNotBlank();
    }
    assertThat(bucketNames()).isEqualTo(before);
  }

  @Test
  void legacyQuotaNameAndEveryBucketTypeAreAccepted() {
    assertThat(create("name", "eph", "bucketType", "ephemeral", "ramQuotaMB", "100").statusCode())
        .isEqualTo(202);
    assertThat(create("name", "mc", "bucketType", "memcached", "ramQuota", "100").statusCode())
        .isEqualTo(202);
    assertThat(
            create(
                    "name",
                    "mb",
                    "bucketType",
                    "membase",
                    "ramQuota",
                    "100",
                    "numVBuckets",
                    "64",
                    "compressionMode",
                    "active",
                    "conflictResolutionType",
                    "seqno",
                    "durabilityMinLevel",
                    "none",
                    "storageBackend",
                    "couchstore",
                    "replicaIndex",
                    "0",
                    "evictionPolicy",
                    "fullEviction",
                    "maxTTL",
                    "3600")
                .statusCode())
        .isEqualTo(202);
    Bucket eph = node.node().buckets().get("eph");
    assertThat(eph.settings().ramQuotaMb()).isEqualTo(100);
    assertThat(eph.settings().evictionPolicy()).isEqualTo("noEviction");
    assertThat(eph.settings().numVBuckets()).isEqualTo(1024);
    assertThat(node.node().buckets().get("mb").settings().maxTtlSeconds()).isEqualTo(3600);
    JsonNode mc = RestClient.json(admin.get(BUCKETS + "/mc"));
    assertThat(mc.path("bucketType").asText()).isEqualTo("memcached");
    assertThat(mc.path("nodeLocator").asText()).isEqualTo("ketama");
    assertThat(mc.path("controllers").has("flush")).isFalse();
    for (String name : new String[] {"eph", "mc", "mb"}) {
      assertThat(admin.delete(BUCKETS + "/" + name).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void validationOnlyCreatesNothing() {
    HttpResponse<String> r =
        admin.post(BUCKETS + "?just_validate=1", RestClient.form("name", "vo", "ramQuota", "100"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(node.node().buckets().get("vo")).isNull();
  }

  @Test
  void flushEmptiesAFlushableBucketAndIsRefusedOtherwise() {
    assertThat(
            create("name", "flushy", "ramQuota", "100", "numVBuckets", "64", "flushEnabled", "1")
                .statusCode())
        .isEqualTo(202);
    assertThat(create("name", "keeper", "ramQuota", "100", "numVBuckets", "64").statusCode())
        .isEqualTo(202);
    try (KvTestClient kv = KvTestClient.connect(node.kvPort(), 64)) {
      kv.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "flushy");
      for (int i = 0; i < 10; i++) {
        assertThat(kv.set("doc" + i, "x").isSuccess()).isTrue();
      }
    }
    assertThat(node.node().buckets().get("flushy").itemCount()).isEqualTo(10);
    assertThat(admin.post(BUCKETS + "/flushy/controller/doFlush", "").statusCode()).isEqualTo(200);
    assertThat(node.node().buckets().get("flushy").itemCount()).isZero();
    try (KvTestClient kv = KvTestClient.connect(node.kvPort(), 64)) {
      kv.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "flushy");
      assertThat(kv.get("doc1").status()).isEqualTo(Status.KEY_ENOENT);
    }

    HttpResponse<String> refused = admin.post(BUCKETS + "/keeper/controller/doFlush", "");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("Flush is disabled");
    assertThat(RestClient.json(admin.get(BUCKETS + "/keeper")).path("controllers").has("flush"))
        .isFalse();
    assertThat(admin.post(BUCKETS + "/nosuch/controller/doFlush", "").statusCode()).isEqualTo(404);

    // bucket_full_access may flush its bucket (Couchbase's BUCKET_FLUSH), data_reader may not.
    node.addUser("app", "app-pw", "bucket_full_access[flushy]", "data_reader[keeper]");
    RestClient app = RestClient.as(port, "app", "app-pw");
    assertThat(app.post(BUCKETS + "/flushy/controller/doFlush", "").statusCode()).isEqualTo(200);
    HttpResponse<String> denied = app.post(BUCKETS + "/keeper/controller/doFlush", "");
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(RestClient.json(denied).path("permissions").get(0).asText())
        .isEqualTo("cluster.bucket[keeper]!flush");
    // ... and sees only its buckets in the list.
    List<String> visible = new ArrayList<>();
    RestClient.json(app.get(BUCKETS)).forEach(b -> visible.add(b.path("name").asText()));
    assertThat(visible).containsExactly("flushy", "keeper");
  }

  @Test
  void updatesChangeQuotaAndFlushInPlaceAndRefuseWhatCannotChange() {
    assertThat(create("name", "upd", "ramQuota", "100", "numVBuckets", "64").statusCode())
        .isEqualTo(202);
    // What the SDK sends for an unchanged bucket (immutable settings left out).
    HttpResponse<String> same =
        admin.post(
            BUCKETS + "/upd",
            RestClient.form(
                "ramQuotaMB",
                "100",
                "replicaNumber",
                "1",
                "flushEnabled",
                "0",
                "evictionPolicy",
                "valueOnly",
                "compressionMode",
                "passive"));
    assertThat(same.statusCode()).as(same.body()).isEqualTo(200);

    long revBefore = node.node().clusterConfig().revision().rev();
    HttpResponse<String> changed =
        admin.post(BUCKETS + "/upd", RestClient.form("ramQuota", "200", "flushEnabled", "1"));
    assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
    assertThat(node.node().buckets().get("upd").settings().ramQuotaMb()).isEqualTo(200);
    assertThat(node.node().buckets().get("upd").settings().flushEnabled()).isTrue();
    assertThat(node.node().clusterConfig().revision().rev()).isGreaterThan(revBefore);

    HttpResponse<String> eviction =
        admin.post(BUCKETS + "/upd", RestClient.form("evictionPolicy", "fullEviction"));
    assertThat(eviction.statusCode()).isEqualTo(400);
    assertThat(RestClient.json(eviction).path("errors").has("evictionPolicy")).isTrue();
    assertThat(node.node().buckets().get("upd").settings().evictionPolicy()).isEqualTo("valueOnly");

    HttpResponse<String> immutable =
        admin.post(BUCKETS + "/upd", RestClient.form("bucketType", "ephemeral"));
    assertThat(immutable.statusCode()).isEqualTo(400);
    assertThat(admin.post(BUCKETS + "/nosuch", RestClient.form("ramQuota", "100")).statusCode())
        .isEqualTo(404);
  }

  @Test
  void malformedBodiesAreRefused() {
    HttpResponse<String> json =
        admin.send("POST", BUCKETS, "application/json", "{\"name\":\"j\",\"ramQuota\":100}");
    assertThat(json.statusCode()).isEqualTo(400);
    assertThat(json.body()).contains("application/x-www-form-urlencoded");
    assertThat(admin.post(BUCKETS, "name=%zz&ramQuota=100").statusCode()).isEqualTo(400);
    assertThat(admin.post(BUCKETS, "name=a&name=b&ramQuota=100").statusCode()).isEqualTo(400);
    assertThat(admin.post(BUCKETS, "=x&ramQuota=100").statusCode()).isEqualTo(400);

    HttpResponse<String> huge = admin.post(BUCKETS, "name=big&pad=" + "x".repeat(2 * 1024 * 1024));
    assertThat(huge.statusCode()).isEqualTo(413);
    assertThat(node.node().buckets().get("j")).isNull();
    assertThat(node.node().buckets().get("big")).isNull();
  }
}
