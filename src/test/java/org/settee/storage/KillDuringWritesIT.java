package org.settee.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.testing.ServerProcess;

/**
 * kill -9 in the middle of a write load, the flusher busy: every write the server had reported
 * persisted (OBSERVE_SEQNO, what the SDK's PersistTo polls) just before the kill, in the vBucket
 * watched, is there after the restart. One vBucket is enough: the kill follows its report at once,
 * so a report made before the batch is on disk loses writes there. The quiet version, where nothing
 * is in flight at the kill, is in {@link PersistenceIT}.
 */
class KillDuringWritesIT {
  private static final int WRITES = 20_000;
  @TempDir Path dir;

  /** A write the client saw acknowledged: its vBucket, branch and seqno. */
  private record Write(int index, PersistenceIT.Token token) {}

  private static int writes(List<Write> written) {
    synchronized (written) {
      return written.size();
    }
  }

  @Test
  void everyWriteReportedPersistedBeforeAKillInTheMiddleOfALoadIsBackAfterIt() throws Exception {
    List<Write> written = new ArrayList<>();
    PersistenceIT.Token latest;
    long reportedPersisted = -1; // in the latest write's vBucket, on its branch, before the kill
    try (ServerProcess server = ServerProcess.start(dir);
        KvTestClient observer = PersistenceIT.login(server.kvPort())) {
      Thread writer =
          new Thread(
              () -> {
                try (KvTestClient c = PersistenceIT.login(server.kvPort())) {
                  for (int i = 0; ; i++) {
                    String key = "k-" + i;
                    ResponseFrame r = c.set(key, "v-" + i);
                    if (r.status() != Status.SUCCESS) {
                      return;
                    }
                    synchronized (written) {
                      written.add(new Write(i, PersistenceIT.token(c, key, r)));
                    }
                  }
                } catch (RuntimeException | AssertionError serverGone) {
                  // the kill: the connection ends mid-request
                }
              },
              "kill-during-writes-writer");
      writer.start();
      assertThat(EmbeddedNode.await(Duration.ofSeconds(60), () -> writes(written) >= WRITES))
          .as("writes before the kill")
          .isTrue();
      // The kill comes the moment the server reports a new batch persisted, while the writes go
      // on: a report made before the batch was truly written would lose that batch.
      synchronized (written) {
        latest = written.get(written.size() - 1).token();
      }
      long before = -1;
      for (long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
          System.nanoTime() - deadline < 0; ) {
        ResponseFrame o = PersistenceIT.observeSeqno(observer, latest.vb(), latest.uuid());
        long persisted = ByteBuffer.wrap(o.value()).getLong(11);
        if (before >= 0 && persisted > before) {
          reportedPersisted = persisted;
          break;
        }
        before = persisted;
      }
      assertThat(reportedPersisted).as("a batch reported persisted").isPositive();
      assertThat(writer.isAlive()).as("writes still coming at the kill").isTrue();
      server.kill9();
      writer.join(Duration.ofSeconds(30).toMillis());
      assertThat(writer.isAlive()).as("the writer noticed the kill").isFalse();
    }

    List<Write> mustBeBack = new ArrayList<>();
    for (Write w : List.copyOf(written)) {
      if (w.token().vb() == latest.vb() && w.token().seqno() <= reportedPersisted) {
        mustBeBack.add(w);
      }
    }
    assertThat(mustBeBack).as("writes reported persisted before the kill").hasSizeGreaterThan(100);
    try (EmbeddedNode node = EmbeddedNode.start(dir);
        KvTestClient c = PersistenceIT.login(node.kvPort())) {
      for (Write w : mustBeBack) {
        ResponseFrame r = c.get("k-" + w.index());
        assertThat(r.status())
            .as("k-%s, seqno %s", w.index(), w.token().seqno())
            .isEqualTo(Status.SUCCESS);
        assertThat(KvTestClient.text(r.value())).isEqualTo("v-" + w.index());
      }
    }
  }
}
