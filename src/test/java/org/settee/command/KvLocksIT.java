package org.settee.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.settee.testing.KvTestClient.bytes;
import static org.settee.testing.KvTestClient.flagsOf;
import static org.settee.testing.KvTestClient.text;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.protocol.Feature;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.util.ManualClock;

/**
 * GET_LOCKED / UNLOCK_KEY over the wire, for clients with and without XERROR (which decides whether
 * they see LOCKED and NOT_LOCKED or the classic codes), lock timeouts on a manual clock.
 */
class KvLocksIT {
  private static final long HIDDEN_CAS = 0xffffffffffffffffL;

  @TempDir static Path dataDir;
  private static final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private static EmbeddedNode node;

  /** Negotiated XERROR. */
  private KvTestClient modern;

  /** Did not: sees kv_engine's remapped statuses. */
  private KvTestClient classic;

  @BeforeAll
  static void startNode() {
    node = EmbeddedNode.start(dataDir, options -> options.clock(clock));
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @BeforeEach
  void connect() {
    modern = node.admin();
    assertThat(KvTestClient.enabledFeatures(modern.hello(Feature.XERROR)))
        .containsExactly(Feature.XERROR.code());
    classic = node.admin();
  }

  @AfterEach
  void disconnect() {
    modern.close();
    classic.close();
  }

  private static void assertStatus(ResponseFrame r, Status expected) {
    assertThat(r.status()).as("%s: %s", r, text(r.value())).isEqualTo(expected);
  }

  /** Stores a document and locks it through {@code modern}; returns the lock CAS. */
  private long storeAndLock(String key, int lockSeconds) {
    long storedCas = modern.set(key, bytes("locked value"), 0x1234, 0, 0).cas();
    ResponseFrame locked = modern.getLocked(key, lockSeconds);
    assertStatus(locked, Status.SUCCESS);
    assertThat(locked.cas()).isNotZero().isNotEqualTo(storedCas).isNotEqualTo(HIDDEN_CAS);
    assertThat(text(locked.value())).isEqualTo("locked value");
    assertThat(flagsOf(locked)).isEqualTo(0x1234);
    return locked.cas();
  }

  @Test
  void readersSeeTheDocumentWithAHiddenCas() {
    long lockCas = storeAndLock("lock-read", 10);
    for (KvTestClient reader : new KvTestClient[] {modern, classic}) {
      ResponseFrame r = reader.get("lock-read");
      assertStatus(r, Status.SUCCESS);
      assertThat(r.cas()).isEqualTo(HIDDEN_CAS).isNotEqualTo(lockCas);
      assertThat(text(r.value())).isEqualTo("locked value");
    }
  }

  @Test
  void aWrongCasMutationIsLockedOrKeyExists() {
    long lockCas = storeAndLock("lock-set", 10);
    assertStatus(modern.set("lock-set", bytes("x"), 0, 0, lockCas + 1), Status.LOCKED);
    assertStatus(modern.set("lock-set", bytes("x"), 0, 0, 0), Status.LOCKED);
    assertStatus(classic.set("lock-set", bytes("x"), 0, 0, lockCas + 1), Status.KEY_EEXISTS);
    assertStatus(classic.set("lock-set", bytes("x"), 0, 0, 0), Status.KEY_EEXISTS);
    assertStatus(modern.delete("lock-set", 0), Status.LOCKED);
    assertStatus(classic.delete("lock-set", 0), Status.KEY_EEXISTS);
    assertStatus(modern.touch("lock-set", 100), Status.LOCKED);
    assertThat(text(classic.get("lock-set").value())).isEqualTo("locked value");
  }

  @Test
  void theLockCasMutatesAndUnlocks() {
    long lockCas = storeAndLock("lock-owner", 10);
    ResponseFrame stored = classic.set("lock-owner", bytes("new"), 0, 0, lockCas);
    assertStatus(stored, Status.SUCCESS);
    ResponseFrame read = modern.get("lock-owner");
    assertThat(read.cas()).isEqualTo(stored.cas()).isNotEqualTo(HIDDEN_CAS);
    assertThat(text(read.value())).isEqualTo("new");
    assertStatus(modern.set("lock-owner", bytes("anyone"), 0, 0, 0), Status.SUCCESS);
  }

  @Test
  void unlockWithAWrongCasIsLockedOrTemporaryFailure() {
    long lockCas = storeAndLock("lock-unlock", 10);
    assertStatus(modern.unlock("lock-unlock", lockCas + 1), Status.LOCKED);
    assertStatus(classic.unlock("lock-unlock", lockCas + 1), Status.ETMPFAIL);
    assertThat(modern.get("lock-unlock").cas()).as("still locked").isEqualTo(HIDDEN_CAS);

    assertStatus(classic.unlock("lock-unlock", lockCas), Status.SUCCESS);
    assertThat(modern.get("lock-unlock").cas()).isNotEqualTo(HIDDEN_CAS);
    assertStatus(modern.set("lock-unlock", bytes("free"), 0, 0, 0), Status.SUCCESS);
  }

  @Test
  void unlockOfAnUnlockedDocumentIsNotLockedOrTemporaryFailure() {
    modern.set("lock-none", "v");
    long cas = modern.get("lock-none").cas();
    assertStatus(modern.unlock("lock-none", cas), Status.NOT_LOCKED);
    assertStatus(classic.unlock("lock-none", cas), Status.ETMPFAIL);
    assertStatus(modern.unlock("lock-missing", cas), Status.KEY_ENOENT);
  }

  @Test
  void lockingALockedDocumentIsLockedOrTemporaryFailure() {
    storeAndLock("lock-twice", 10);
    assertStatus(modern.getLocked("lock-twice", 10), Status.LOCKED);
    assertStatus(classic.getLocked("lock-twice", 10), Status.ETMPFAIL);
    assertStatus(classic.getLocked("lock-never-stored", 10), Status.KEY_ENOENT);
  }

  @Test
  void aLockTimesOut() {
    long lockCas = storeAndLock("lock-timeout", 5);
    clock.advanceMillis(4_900);
    assertThat(classic.get("lock-timeout").cas()).isEqualTo(HIDDEN_CAS);
    assertStatus(classic.set("lock-timeout", bytes("x"), 0, 0, 0), Status.KEY_EEXISTS);
    clock.advanceMillis(200);
    assertThat(classic.get("lock-timeout").cas()).isNotEqualTo(HIDDEN_CAS);
    assertStatus(modern.unlock("lock-timeout", lockCas), Status.NOT_LOCKED);
    assertStatus(classic.set("lock-timeout", bytes("x"), 0, 0, 0), Status.SUCCESS);
    long relockCas = storeAndLock("lock-timeout", 5);
    assertThat(relockCas).isNotEqualTo(lockCas);
  }

  @Test
  void theDefaultLockTimeIsFifteenSeconds() {
    storeAndLock("lock-default", 0);
    clock.advanceSeconds(14);
    assertThat(classic.get("lock-default").cas()).isEqualTo(HIDDEN_CAS);
    clock.advanceSeconds(1);
    assertThat(classic.get("lock-default").cas()).isNotEqualTo(HIDDEN_CAS);
  }
}
