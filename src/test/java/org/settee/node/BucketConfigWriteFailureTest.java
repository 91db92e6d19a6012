package org.settee.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;

/**
 * A bucket change the node cannot record in its configuration is not made: not in memory, not on
 * disk, so that a restart finds what clients were last told.
 */
class BucketConfigWriteFailureTest {
  @TempDir Path dir;

  private static long bucketDirectories(Path buckets, String name) throws IOException {
    try (Stream<Path> dirs = Files.list(buckets)) {
      return dirs.filter(d -> d.getFileName().toString().startsWith(name + "-")).count();
    }
  }

  /**
   * The configuration file's place taken by a directory that is not empty: its rewrite (temp file,
   * then rename over it) fails as a full or failing disk would make it fail.
   */
  private void breakTheConfigurationFile() throws IOException {
    Path config = dir.resolve("config").resolve("buckets.json");
    Files.delete(config);
    Files.createDirectory(config);
    Files.writeString(config.resolve("in-the-way"), "x");
  }

  @Test
  void aBucketWhoseConfigurationCannotBeWrittenIsNotCreated() throws IOException {
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      breakTheConfigurationFile();

      assertThatThrownBy(
              () ->
                  node.node()
                      .createBucket(
                          new BucketSettings("travel", BucketType.COUCHBASE, 100, 16, true)))
          .hasMessageContaining("buckets.json");

      assertThat(node.node().buckets().get("travel")).as("in memory").isNull();
      assertThat(bucketDirectories(dir.resolve("buckets"), "travel")).as("on disk").isZero();
    }
  }

  @Test
  void aBucketCreatedWhileTheRevisionCannotBeWrittenIsAnnouncedOnceItCan() throws IOException {
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      long before = node.node().clusterConfig().revision().rev();
      Path revision = dir.resolve("config").resolve("cluster.json");
      Files.delete(revision);
      Files.createDirectory(revision);
      Files.writeString(revision.resolve("in-the-way"), "x");

      // Recorded in buckets.json, so it exists: the create must not say it failed.
      node.node().createBucket(new BucketSettings("travel", BucketType.COUCHBASE, 100, 16, true));
      assertThat(node.node().buckets().get("travel")).isNotNull();
      assertThat(node.node().clusterConfig().revision().rev())
          .as("not announced with a revision that is not on disk")
          .isEqualTo(before);

      Files.delete(revision.resolve("in-the-way"));
      Files.delete(revision);
      assertThat(
              EmbeddedNode.await(
                  Duration.ofSeconds(10),
                  () -> node.node().clusterConfig().revision().rev() > before))
          .as("announced once the revision could be written")
          .isTrue();
      assertThat(revision).isRegularFile();
    }
  }

  @Test
  void aBucketWhoseDeletionCannotBeRecordedIsNotDeleted() throws IOException {
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c =
            node.connectAs(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, "default")) {
      assertThat(c.set("doc", "kept").status()).isEqualTo(Status.SUCCESS);
      breakTheConfigurationFile();

      assertThatThrownBy(() -> node.node().deleteBucket("default"))
          .hasMessageContaining("buckets.json");

      assertThat(node.node().buckets().get("default")).as("in memory").isNotNull();
      assertThat(bucketDirectories(dir.resolve("buckets"), "default")).as("on disk").isOne();
      assertThat(KvTestClient.text(c.get("doc").value())).as("still served").isEqualTo("kept");
    }
  }

  @Test
  void aSettingsChangeThatCannotBeRecordedIsNotMade() throws IOException {
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      BucketSettings before = node.node().buckets().get("default").settings();
      breakTheConfigurationFile();

      assertThatThrownBy(
              () ->
                  node.node()
                      .updateBucket(
                          new BucketSettings(
                              before.name(),
                              before.type(),
                              before.ramQuotaMb() * 2,
                              before.numVBuckets(),
                              before.flushEnabled(),
                              before.replicaNumber(),
                              before.maxTtlSeconds(),
                              before.evictionPolicy(),
                              before.uuid())))
          .hasMessageContaining("buckets.json");

      assertThat(node.node().buckets().get("default").settings()).isEqualTo(before);
    }
  }
}
