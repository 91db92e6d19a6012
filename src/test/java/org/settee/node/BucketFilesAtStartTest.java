package org.settee.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;

/**
 * What a start does with bucket directories its configuration does not list: the files of a bucket
 * whose deletion (or creation) a crash interrupted go; bucket files next to no configuration at all
 * stop the start, untouched.
 */
class BucketFilesAtStartTest {
  @TempDir Path dir;

  private Path buckets() {
    return dir.resolve("buckets");
  }

  private Path bucketDirectory(String name) throws IOException {
    try (Stream<Path> dirs = Files.list(buckets())) {
      return dirs.filter(d -> d.getFileName().toString().startsWith(name + "-"))
          .findFirst()
          .orElseThrow();
    }
  }

  /** A bucket directory as a crash in the middle of deleting it would leave it. */
  private Path leftover(String name) throws IOException {
    Path d = Files.createDirectories(buckets().resolve(name + "-" + BucketSettings.newUuid()));
    Files.writeString(d.resolve("000042.sst"), "what was left of the table file");
    return d;
  }

  @Test
  void filesOfBucketsTheConfigurationDoesNotListAreDeletedAtStart() throws IOException {
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = node.admin()) {
      node.node().createBucket(new BucketSettings("travel", BucketType.COUCHBASE, 100, 16, true));
      c.selectBucket("default");
      assertThat(c.set("doc", "kept").status()).isEqualTo(Status.SUCCESS);
    }
    Path travel = bucketDirectory("travel");
    Path gone = leftover("gone");
    Path oldTravel = leftover("travel"); // a bucket of that name before this one
    Path notABucket = Files.createDirectories(buckets().resolve("notes"));
    Path file = Files.writeString(buckets().resolve("README.txt"), "mine");

    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = node.admin()) {
      assertThat(gone).doesNotExist();
      assertThat(oldTravel).doesNotExist();
      assertThat(travel).as("a configured bucket's files").isDirectory();
      assertThat(notABucket).as("not named as a bucket directory").isDirectory();
      assertThat(file).hasContent("mine");
      assertThat(node.node().buckets().get("travel")).isNotNull();
      c.selectBucket("default");
      assertThat(KvTestClient.text(c.get("doc").value())).isEqualTo("kept");
    }
  }

  @Test
  void bucketFilesWithoutAConfigurationStopTheStartAndStayAsTheyWere() throws IOException {
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = node.admin()) {
      c.selectBucket("default");
      assertThat(c.set("doc", "kept").status()).isEqualTo(Status.SUCCESS);
    }
    Path configuration = dir.resolve("config").resolve("buckets.json");
    String saved = Files.readString(configuration);
    Files.delete(configuration);
    Map<Path, Long> before = listing();

    assertThatThrownBy(() -> EmbeddedNode.start(dir))
        .hasMessageContaining("bucket files")
        .hasMessageContaining(bucketDirectory("default").getFileName().toString())
        .hasMessageContaining("buckets.json");
    assertThat(listing()).as("nothing created, deleted or resized").isEqualTo(before);

    // With its configuration back, the node has its data again: the refusal lost nothing.
    Files.writeString(configuration, saved);
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = node.admin()) {
      c.selectBucket("default");
      assertThat(KvTestClient.text(c.get("doc").value())).isEqualTo("kept");
    }
  }

  /** Every file under the data directory with its size (the lock file is the node's own). */
  private Map<Path, Long> listing() throws IOException {
    Map<Path, Long> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        if (!p.getFileName().toString().equals("settee.lock")) {
          files.put(dir.relativize(p), Files.size(p));
        }
      }
    }
    return files;
  }
}
