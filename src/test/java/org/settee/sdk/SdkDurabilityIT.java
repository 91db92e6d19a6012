package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.core.env.SeedNode;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.env.ClusterEnvironment;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.GetResult;
import com.couchbase.client.java.kv.MutationResult;
import com.couchbase.client.java.kv.PersistTo;
import com.couchbase.client.java.kv.ReplicateTo;
import com.couchbase.client.java.kv.UpsertOptions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.Opcode;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.ServerProcess;

/**
 * The SDK's legacy durability (PersistTo.ACTIVE, answered by OBSERVE_SEQNO) means what it says: a
 * write it acknowledged as persisted survives kill -9 of the server, with the same CAS, flags,
 * expiry and value.
 */
class SdkDurabilityIT {
  private static final int DOCS = 50;

  @TempDir Path dir;

  /** What the SDK saw of a document. */
  record Seen(long cas, JsonObject content, long expiry) {}

  @Test
  @Timeout(120)
  void persistedWritesSurviveKill9() throws Exception {
    Map<String, Seen> seen = new HashMap<>();
    try (ServerProcess server = ServerProcess.start(dir)) {
      ClusterEnvironment env =
          ClusterEnvironment.builder()
              .timeoutConfig(
                  t -> t.kvTimeout(Duration.ofSeconds(10)).kvDurableTimeout(Duration.ofSeconds(20)))
              .build();
      Cluster cluster =
          Cluster.connect(
              Set.of(
                  SeedNode.create(
                      "127.0.0.1", Optional.of(server.kvPort()), Optional.of(server.mgmtPort()))),
              ClusterOptions.clusterOptions(SdkFixture.ADMIN, SdkFixture.ADMIN_PASSWORD)
                  .environment(env));
      try {
        Collection collection = cluster.bucket(SdkFixture.BUCKET).defaultCollection();
        long expiryAt = System.currentTimeMillis() / 1000 + 3600;
        for (int i = 0; i < DOCS; i++) {
          String id = "durable-" + i;
          JsonObject content = JsonObject.create().put("n", i);
          MutationResult r =
              collection.upsert(
                  id,
                  content,
                  UpsertOptions.upsertOptions()
                      .durability(PersistTo.ACTIVE, ReplicateTo.NONE)
                      .expiry(i % 2 == 0 ? Duration.ofHours(1) : Duration.ZERO));
          seen.put(id, new Seen(r.cas(), content, i % 2 == 0 ? expiryAt : 0));
        }
      } finally {
        cluster.disconnect();
        env.shutdown();
      }
      server.kill9();
    }
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient raw = node.admin()) {
      for (Map.Entry<String, Seen> e : seen.entrySet()) {
        ResponseFrame r = raw.get(e.getKey());
        assertThat(r.status()).as(e.getKey()).isEqualTo(Status.SUCCESS);
        assertThat(r.cas()).isEqualTo(e.getValue().cas());
        assertThat(JsonObject.fromJson(r.value())).isEqualTo(e.getValue().content());
        assertThat(KvTestClient.flagsOf(r)).as("JSON common flags").isEqualTo(0x02000000);
        ResponseFrame meta = raw.keyed(Opcode.GET_META, e.getKey(), new byte[0], new byte[0], 0);
        long expiry = Integer.toUnsignedLong(ByteBuffer.wrap(meta.extras()).getInt(8));
        if (e.getValue().expiry() == 0) {
          assertThat(expiry).isZero();
        } else {
          assertThat(expiry).isBetween(e.getValue().expiry() - 5, e.getValue().expiry() + 5);
        }
      }
    }
    try (SdkFixture fixture = SdkFixture.start(dir)) {
      GetResult r =
          fixture
              .connectAdmin()
              .cluster()
              .bucket(SdkFixture.BUCKET)
              .defaultCollection()
              .get("durable-7");
      assertThat(r.cas()).isEqualTo(seen.get("durable-7").cas());
      assertThat(r.contentAsObject().getInt("n")).isEqualTo(7);
    }
  }
}
