package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.java.AsyncCollection;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.GetResult;
import com.couchbase.client.java.kv.IncrementOptions;
import com.couchbase.client.java.kv.MutationResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Many operations in flight at once on the SDK's one KV connection, every result checked. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SdkConcurrencyIT {
  private static final int OPERATIONS = 10_000;

  @TempDir static Path dataDir;
  private static SdkFixture fixture;
  private static AsyncCollection collection;

  @BeforeAll
  static void start() {
    fixture = SdkFixture.start(dataDir);
    collection =
        fixture.connectAdmin().cluster().bucket(SdkFixture.BUCKET).defaultCollection().async();
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void tenThousandConcurrentUpsertsThenGetsAllReturnTheirOwnValue() {
    List<CompletableFuture<MutationResult>> writes = new ArrayList<>(OPERATIONS);
    for (int i = 0; i < OPERATIONS; i++) {
      writes.add(collection.upsert(id(i), JsonObject.create().put("i", i).put("id", id(i))));
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();

    List<CompletableFuture<GetResult>> reads = new ArrayList<>(OPERATIONS);
    for (int i = 0; i < OPERATIONS; i++) {
      reads.add(collection.get(id(i)));
    }
    CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).join();

    for (int i = 0; i < OPERATIONS; i++) {
      GetResult read = reads.get(i).join();
      assertThat(read.contentAsObject().getInt("i")).as(id(i)).isEqualTo(i);
      assertThat(read.contentAsObject().getString("id")).isEqualTo(id(i));
      assertThat(read.cas()).as(id(i)).isEqualTo(writes.get(i).join().cas());
    }
    assertThat(fixture.node().buckets().get(SdkFixture.BUCKET).itemCount())
        .isGreaterThanOrEqualTo(OPERATIONS);
  }

  @Test
  void concurrentIncrementsOfOneCounterAreAllCounted() {
    int increments = 2_000;
    IncrementOptions options = IncrementOptions.incrementOptions().initial(0).delta(1);
    List<CompletableFuture<Long>> results = new ArrayList<>(increments);
    for (int i = 0; i < increments; i++) {
      results.add(
          collection.binary().increment("shared-counter", options).thenApply(r -> r.content()));
    }
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).join();

    // The first creates the counter at 0; every value from 0 to increments - 1 is seen once.
    assertThat(results.stream().map(CompletableFuture::join).sorted().toList())
        .isEqualTo(java.util.stream.LongStream.range(0, increments).boxed().toList());
  }

  private static String id(int i) {
    return "concurrent-" + i;
  }
}
