package org.settee.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.command.Cookie;
import org.settee.kv.BackgroundFetcher;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.kv.Item;
import org.settee.kv.ItemKey;
import org.settee.kv.VBucket;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;

/**
 * Full eviction's background fetch racing the writes of other connections: a disk read that a newer
 * version (written, persisted and evicted meanwhile) overtook must not come back into memory.
 */
class FullEvictionFetchIT {
  private static final String BUCKET = "full";
  private static final String KEY = "doc";

  @TempDir Path dir;
  private EmbeddedNode node;
  private final HeldFetcher fetcher = new HeldFetcher();
  private KvTestClient reader;
  private KvTestClient writer;
  private VBucket vb;

  @BeforeEach
  void start() {
    node = EmbeddedNode.start(dir);
    node.node()
        .createBucket(
            new BucketSettings(
                BUCKET,
                BucketType.COUCHBASE,
                16,
                64,
                true,
                0,
                0,
                "fullEviction",
                BucketSettings.newUuid()));
    node.addUser(BUCKET, "password", "bucket_full_access[" + BUCKET + "]");
    Bucket bucket = node.node().buckets().get(BUCKET);
    fetcher.real = bucket.fetcher();
    bucket.fetcher(fetcher);
    reader = node.connectAs(BUCKET, "password", BUCKET);
    writer = node.connectAs(BUCKET, "password", BUCKET);
    vb = bucket.vbucket(writer.vbucketOf(KEY));
  }

  @AfterEach
  void stop() {
    fetcher.release.countDown();
    reader.close();
    writer.close();
    node.close();
    fetcher.threads.shutdownNow();
  }

  /** Waits for the flusher, then lets the pager remove every clean item of the key's vBucket. */
  private void persistAndEvict() {
    assertThat(
            EmbeddedNode.await(Duration.ofSeconds(20), () -> vb.persistedSeqno() >= vb.highSeqno()))
        .isTrue();
    assertThat(vb.evictClean(Long.MAX_VALUE)).as("evicted").isPositive();
    assertThat(vb.needsFetch(ItemKey.of(KEY))).as("only on disk").isTrue();
  }

  @Test
  void aGetWhoseDiskReadANewerVersionOvertookReturnsTheNewerVersion() throws Exception {
    assertThat(writer.set(KEY, "version 1").status()).isEqualTo(Status.SUCCESS);
    persistAndEvict();
    fetcher.holdNextRead.set(true);
    CompletableFuture<ResponseFrame> get = CompletableFuture.supplyAsync(() -> reader.get(KEY));
    assertThat(fetcher.readDone.await(20, TimeUnit.SECONDS)).as("version 1 read").isTrue();

    assertThat(writer.set(KEY, "version 2").status()).isEqualTo(Status.SUCCESS);
    persistAndEvict();
    fetcher.release.countDown();

    ResponseFrame r = get.get(20, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(Status.SUCCESS);
    assertThat(new String(r.value(), StandardCharsets.US_ASCII)).isEqualTo("version 2");
    assertThat(new String(writer.get(KEY).value(), StandardCharsets.US_ASCII))
        .as("what memory holds now")
        .isEqualTo("version 2");
  }

  @Test
  void anAddWhoseDiskReadFoundNothingBeforeAnotherAddSeesThatDocument() throws Exception {
    fetcher.holdNextRead.set(true);
    CompletableFuture<ResponseFrame> add =
        CompletableFuture.supplyAsync(() -> reader.add(KEY, "second"));
    assertThat(fetcher.readDone.await(20, TimeUnit.SECONDS)).as("nothing read").isTrue();

    assertThat(writer.add(KEY, "first").status()).isEqualTo(Status.SUCCESS);
    persistAndEvict();
    fetcher.release.countDown();

    assertThat(add.get(20, TimeUnit.SECONDS).status()).isEqualTo(Status.KEY_EEXISTS);
    assertThat(new String(writer.get(KEY).value(), StandardCharsets.US_ASCII)).isEqualTo("first");
  }

  @Test
  void aGetWhoseDiskReadsAreOvertakenTimeAfterTimeGetsTmpfailAfterABoundedNumberOfReads() {
    assertThat(writer.set(KEY, "on disk").status()).isEqualTo(Status.SUCCESS);
    persistAndEvict();
    // Clean items of the same vBucket in memory, more than the reads a command may make: the pager
    // can remove one during each read.
    List<String> others = new ArrayList<>();
    for (int i = 0; others.size() < 3 * Cookie.MAX_FETCHES; i++) {
      if (writer.vbucketOf("other-" + i) == vb.id()) {
        others.add("other-" + i);
      }
    }
    others.forEach(k -> assertThat(writer.set(k, "x").status()).isEqualTo(Status.SUCCESS));
    assertThat(
            EmbeddedNode.await(Duration.ofSeconds(20), () -> vb.persistedSeqno() >= vb.highSeqno()))
        .isTrue();
    fetcher.afterRead = () -> assertThat(vb.evictClean(1)).as("one removal").isPositive();
    fetcher.reads.set(0); // the SETs read the disk too (full eviction: is the key there?)

    ResponseFrame r = reader.get(KEY);

    assertThat(r.status()).as("every read was overtaken").isEqualTo(Status.ETMPFAIL);
    assertThat(fetcher.reads.get()).as("disk reads").isEqualTo(Cookie.MAX_FETCHES);
    fetcher.afterRead = () -> {};
    ResponseFrame again = reader.get(KEY);
    assertThat(again.status()).as("once the pressure is gone").isEqualTo(Status.SUCCESS);
    assertThat(new String(again.value(), StandardCharsets.US_ASCII)).isEqualTo("on disk");
  }

  @Test
  void aRemovalWhileTheFetchWaitsInTheQueueDoesNotRefuseItsRead() {
    assertThat(writer.set(KEY, "on disk").status()).isEqualTo(Status.SUCCESS);
    persistAndEvict();
    String other = null;
    for (int i = 0; other == null; i++) {
      if (writer.vbucketOf("other-" + i) == vb.id()) {
        other = "other-" + i;
      }
    }
    assertThat(writer.set(other, "x").status()).isEqualTo(Status.SUCCESS);
    assertThat(
            EmbeddedNode.await(Duration.ofSeconds(20), () -> vb.persistedSeqno() >= vb.highSeqno()))
        .isTrue();
    // The pager removes an item of the vBucket after the GET queued its fetch, before the fetcher
    // took it up: the disk read that follows cannot predate that removal.
    AtomicBoolean once = new AtomicBoolean(true);
    fetcher.whileQueued =
        () -> {
          if (once.getAndSet(false)) {
            assertThat(vb.evictClean(1)).as("one removal").isPositive();
          }
        };
    fetcher.reads.set(0);

    ResponseFrame r = reader.get(KEY);

    assertThat(once).as("the removal happened").isFalse();
    assertThat(r.status()).isEqualTo(Status.SUCCESS);
    assertThat(new String(r.value(), StandardCharsets.US_ASCII)).isEqualTo("on disk");
    assertThat(fetcher.reads.get()).as("disk reads: the first one was kept").isEqualTo(1);
  }

  /**
   * The bucket's fetcher on threads of its own; the next read can be held after it read the disk,
   * for as long as the test needs to change the key meanwhile.
   */
  private static final class HeldFetcher implements BackgroundFetcher {
    final ExecutorService threads = Executors.newCachedThreadPool();
    final AtomicBoolean holdNextRead = new AtomicBoolean();
    final CountDownLatch readDone = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger reads = new AtomicInteger();
    volatile BackgroundFetcher real;

    /** Runs after each disk read, on the fetcher's thread, before the read is handed back. */
    volatile Runnable afterRead = () -> {};

    /** Runs when a queued fetch is taken up, before the fetch's own work starts. */
    volatile Runnable whileQueued = () -> {};

    @Override
    public Executor executor() {
      return task ->
          threads.execute(
              () -> {
                whileQueued.run();
                task.run();
              });
    }

    @Override
    public Item fetch(int vbucket, ItemKey key) {
      Item item = real.fetch(vbucket, key);
      reads.incrementAndGet();
      afterRead.run();
      if (holdNextRead.compareAndSet(true, false)) {
        readDone.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return item;
    }
  }
}
