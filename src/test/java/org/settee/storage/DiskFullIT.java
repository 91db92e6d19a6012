package org.settee.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.ServerProcess;
import org.settee.testing.SmallDisk;

/**
 * A real full disk under a server process: its data directory is a small file system of its own
 * ({@link SmallDisk}), so RocksDB meets the kernel's "No space left on device", in whichever file
 * it is writing then (write-ahead log, or a memtable written out in the background), not an error
 * injected above it.
 */
class DiskFullIT {
  private static final int VALUE_BYTES = 64 << 10;
  private static final int DISK_MB = 24;

  /** Bounds the filling: 128 MiB of values, half the default bucket's RAM quota. */
  private static final int MAX_DOCS = 2_000;

  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @TempDir Path dir;

  /** Each document's value, incompressible, and the same each time it is asked for. */
  private static byte[] value(String key) {
    byte[] value = new byte[VALUE_BYTES];
    new Random(key.hashCode()).nextBytes(value);
    return value;
  }

  /** Every document is back with the CAS it was acknowledged with and its value. */
  private static void assertAllBack(KvTestClient c, Map<String, Long> casByKey) {
    casByKey.forEach(
        (key, cas) -> {
          ResponseFrame r = c.get(key);
          assertThat(r.status()).as(key).isEqualTo(Status.SUCCESS);
          assertThat(r.cas()).as(key).isEqualTo(cas);
          assertThat(r.value()).as(key).isEqualTo(value(key));
        });
  }

  /** Writes new documents until one is refused (TMPFAIL); the others must succeed. */
  private static void writeUntilRefused(
      KvTestClient c, String prefix, Map<String, Long> acknowledged, List<String> refused) {
    int before = refused.size();
    for (int i = 0; refused.size() == before && i < MAX_DOCS; i++) {
      String key = prefix + i;
      ResponseFrame r = c.set(key, value(key), 0, 0, 0);
      if (r.status() == Status.ETMPFAIL) {
        refused.add(key);
      } else {
        assertThat(r.status()).as(key).isEqualTo(Status.SUCCESS);
        acknowledged.put(key, r.cas());
      }
    }
    assertThat(refused).as("a write of %s* refused: the disk is full", prefix).hasSize(before + 1);
  }

  private static long linesWith(ServerProcess server, String text) {
    return server.output().stream().filter(l -> l.contains(text)).count();
  }

  @Test
  void aFullDiskRefusesWritesSaysSoOnceResumesWhenSpaceReturnsAndLosesNothingAcknowledged()
      throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    Map<String, Long> acknowledged = new LinkedHashMap<>(); // key -> CAS
    List<String> refused = new ArrayList<>();
    try (SmallDisk disk = SmallDisk.mount(data, DISK_MB)) {
      try (ServerProcess server = ServerProcess.start(data, disk.launcher());
          KvTestClient c = PersistenceIT.login(server.kvPort())) {
        writeUntilRefused(c, "doc-", acknowledged, refused);
        // RocksDB deletes what a failed write left, which may let a retry through: whatever space
        // is left now goes to a ballast file, so the disk stays full until it grows.
        disk.fill();
        writeUntilRefused(c, "while-full-", acknowledged, refused);
        assertThat(PersistenceIT.stats(c).get("ep_writes_refused"))
            .contains("No space left on device");

        disk.resize(16 * DISK_MB);
        assertThat(
                EmbeddedNode.await(
                    DEADLINE,
                    () -> PersistenceIT.stats(c).get("ep_writes_refused").equals("false")))
            .as("the flusher resumes once there is space again")
            .isTrue();
        ResponseFrame after = c.set("after", value("after"), 0, 0, 0);
        assertThat(after.status()).isEqualTo(Status.SUCCESS);
        acknowledged.put("after", after.cas());
        // What was acknowledged while the disk was full, from memory, reaches the disk now.
        assertThat(
                EmbeddedNode.await(
                    DEADLINE, () -> PersistenceIT.stats(c).get("ep_queue_size").equals("0")))
            .as("the disk write queue drains")
            .isTrue();
        PersistenceIT.awaitPersisted(c, PersistenceIT.token(c, "after", after));
        server.kill9();
        long outages = linesWith(server, "cannot persist");
        assertThat(outages)
            .as(
                "one line when persistence stops, one when it resumes, not one per retry:\n%s",
                String.join("\n", server.output()))
            .isPositive()
            .isEqualTo(linesWith(server, "persistence resumed"));
      }
      try (ServerProcess server = ServerProcess.start(data, disk.launcher());
          KvTestClient c = PersistenceIT.login(server.kvPort())) {
        assertAllBack(c, acknowledged);
        refused.forEach(
            key -> assertThat(c.get(key).status()).as(key).isEqualTo(Status.KEY_ENOENT));
      }
    }
  }

  @Test
  void aNodeStartedOnAFullDiskSaysSoInOneLineChangesNothingAndStartsOnceThereIsSpace()
      throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    try (SmallDisk disk = SmallDisk.mount(data, DISK_MB)) {
      Map<String, Long> persisted = new LinkedHashMap<>();
      try (ServerProcess server = ServerProcess.start(data, disk.launcher());
          KvTestClient c = PersistenceIT.login(server.kvPort())) {
        for (int i = 0; i < 20; i++) {
          String key = "doc-" + i;
          ResponseFrame r = c.set(key, value(key), 0, 0, 0);
          assertThat(r.status()).isEqualTo(Status.SUCCESS);
          PersistenceIT.awaitPersisted(c, PersistenceIT.token(c, key, r));
          persisted.put(key, r.cas());
        }
        server.kill9();
      }
      disk.fill();

      ServerProcess.Failed failed = ServerProcess.startFailing(data, disk.launcher());
      String printed = String.join("\n", failed.output());
      assertThat(failed.exitCode()).as(printed).isEqualTo(1);
      assertThat(failed.output())
          .as(printed)
          .filteredOn(l -> l.contains("cannot start"))
          .singleElement()
          .satisfies(l -> assertThat(l).contains("No space left on device"));
      assertThat(failed.output()).as("no stack trace").noneMatch(l -> l.startsWith("\tat "));
      assertThat(disk.contains(data.resolve("config").resolve("cluster.json.tmp")))
          .as("a half-written file left behind")
          .isFalse();

      disk.unfill();
      try (ServerProcess server = ServerProcess.start(data, disk.launcher());
          KvTestClient c = PersistenceIT.login(server.kvPort())) {
        assertAllBack(c, persisted);
      }
    }
  }

  private static HttpResponse<String> createBucket(ServerProcess server, String name)
      throws Exception {
    String auth =
        Base64.getEncoder()
            .encodeToString(
                (EmbeddedNode.ADMIN + ":" + EmbeddedNode.ADMIN_PASSWORD)
                    .getBytes(StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.mgmtPort() + "/pools/default/buckets"))
            .header("Authorization", "Basic " + auth)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "name=" + name + "&bucketType=couchbase&ramQuota=100&numVBuckets=64"))
            .timeout(DEADLINE)
            .build();
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void aBucketCreatedOnAFullDiskIsRefusedWithTheReasonAndLeavesNoFiles() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    try (SmallDisk disk = SmallDisk.mount(data, DISK_MB);
        ServerProcess server = ServerProcess.start(data, disk.launcher())) {
      List<String> before = disk.list(data.resolve("buckets"));
      disk.fill();

      HttpResponse<String> refused = createBucket(server, "travel");
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(500);
      assertThat(refused.body())
          .contains("bucket travel not created")
          .contains("No space left on device")
          .doesNotContain("Unexpected");
      assertThat(server.output())
          .as("one line says why, no stack trace")
          .anyMatch(l -> l.contains("bucket travel not created: ") && l.contains("No space left"))
          .noneMatch(l -> l.startsWith("\tat "));
      assertThat(disk.list(data.resolve("buckets")))
          .as("the refused bucket's files")
          .isEqualTo(before);

      disk.unfill();
      HttpResponse<String> created = createBucket(server, "travel");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
      try (KvTestClient c =
          KvTestClient.connect(server.kvPort(), 64)
              .login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "travel")) {
        assertThat(c.set("doc", "x").status()).isEqualTo(Status.SUCCESS);
      }
    }
  }
}
