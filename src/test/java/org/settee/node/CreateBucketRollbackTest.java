package org.settee.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.testing.EmbeddedNode;

/** A bucket the node cannot record in its configuration is not created, on disk or in memory. */
class CreateBucketRollbackTest {
  @TempDir Path dir;

  private static long bucketDirectories(Path buckets, String name) throws IOException {
    try (Stream<Path> dirs = Files.list(buckets)) {
      return dirs.filter(d -> d.getFileName().toString().startsWith(name + "-")).count();
    }
  }

  @Test
  void aBucketWhoseConfigurationCannotBeWrittenIsNotCreated() throws IOException {
    try (EmbeddedNode node = EmbeddedNode.start(dir)) {
      // The configuration file's place taken by a directory that is not empty: its rewrite (temp
      // file, then rename over it) fails as a full or failing disk would make it fail.
      Path config = dir.resolve("config").resolve("buckets.json");
      Files.delete(config);
      Files.createDirectory(config);
      Files.writeString(config.resolve("in-the-way"), "x");

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
}
