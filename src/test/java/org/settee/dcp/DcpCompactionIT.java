package org.settee.dcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.storage.BucketStorage;
import org.settee.testing.EmbeddedNode;

/**
 * Compaction under the disk backfill: stale seqno-index entries (versions a key has moved on from)
 * go, and a backfill from 0 still sends every key's latest version.
 */
class DcpCompactionIT {
  static final String BUCKET = EmbeddedNode.DEFAULT_BUCKET;
  static final int KEYS = 1_000;
  static final int VERSIONS = 5;

  @TempDir Path dir;

  @Test
  void compactionLeavesOneSeqnoEntryPerKeyAndABackfillStillSendsEveryLatestValue() {
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        BucketWriter w =
            BucketWriter.open(
                node.kvPort(), node.node().options().defaultBucketVBuckets(), BUCKET)) {
      BucketStorage storage = node.node().storage(BUCKET);
      for (int version = 1; version <= VERSIONS; version++) {
        for (int i = 0; i < KEYS; i++) {
          w.set("k-" + i, BucketWriter.value("k-" + i, version));
        }
        w.flush();
        // Each version in batches of its own: the flusher keeps one version per key per batch.
        w.awaitPersisted();
      }
      assertThat(storage.seqnoIndexEntries())
          .as("an entry per persisted version")
          .isEqualTo((long) KEYS * VERSIONS);

      node.node().compact();
      assertThat(
              EmbeddedNode.await(Duration.ofSeconds(30), () -> storage.seqnoIndexEntries() == KEYS))
          .as("one entry per key after compaction, not %s", storage.seqnoIndexEntries())
          .isTrue();

      try (DcpClientFixture dcp =
          DcpClientFixture.connect(
                  node.kvPort(), EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, BUCKET)
              .streamFromZeroToNow()) {
        dcp.awaitStreamsEndedOk(dcp.numPartitions());
        dcp.assertCleanStream();
        dcp.assertLatestStateMatches(w.expected());
        assertThat(dcp.changes()).as("one change per key, from disk").hasSize(KEYS);
      }
    }
  }
}
