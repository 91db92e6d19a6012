package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.CouchbaseException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.java.BinaryCollection;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.kv.DecrementOptions;
import com.couchbase.client.java.kv.GetOptions;
import com.couchbase.client.java.kv.IncrementOptions;
import com.couchbase.client.java.kv.UpsertOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Counters and byte concatenation through the SDK's binary collection. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SdkBinaryIT {
  @TempDir static Path dataDir;
  private static SdkFixture fixture;
  private static Collection collection;
  private static BinaryCollection binary;

  @BeforeAll
  static void start() {
    fixture = SdkFixture.start(dataDir);
    collection = fixture.connectAdmin().cluster().bucket(SdkFixture.BUCKET).defaultCollection();
    binary = collection.binary();
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void incrementCreatesWithTheInitialValueThenAddsTheDelta() {
    IncrementOptions options = IncrementOptions.incrementOptions().initial(10).delta(5);
    assertThat(binary.increment("counter-up", options).content()).isEqualTo(10);
    assertThat(binary.increment("counter-up", options).content()).isEqualTo(15);
    assertThat(binary.increment("counter-up").content()).isEqualTo(16);
    assertThat(collection.get("counter-up").contentAs(Long.class)).isEqualTo(16L);
  }

  @Test
  void decrementCreatesWithTheInitialValueAndStopsAtZero() {
    DecrementOptions options = DecrementOptions.decrementOptions().initial(7).delta(5);
    assertThat(binary.decrement("counter-down", options).content()).isEqualTo(7);
    assertThat(binary.decrement("counter-down", options).content()).isEqualTo(2);
    assertThat(binary.decrement("counter-down", options).content()).isZero();
  }

  @Test
  void aCounterWithoutInitialValueMustExist() {
    assertThatThrownBy(() -> binary.increment("counter-missing"))
        .isInstanceOf(DocumentNotFoundException.class);
    assertThatThrownBy(() -> binary.decrement("counter-missing"))
        .isInstanceOf(DocumentNotFoundException.class);
  }

  @Test
  void incrementOfANonNumericDocumentIsRefused() {
    collection.upsert("not-a-number", com.couchbase.client.java.json.JsonObject.create());
    // DELTA_BADVAL: SDK 3.12 has no narrower type than CouchbaseException for it.
    assertThatThrownBy(() -> binary.increment("not-a-number"))
        .isExactlyInstanceOf(CouchbaseException.class)
        .hasMessageContaining("DELTA_BADVAL");
  }

  @Test
  void appendAndPrependConcatenateBytes() {
    collection.upsert(
        "concat",
        bytes("middle"),
        UpsertOptions.upsertOptions().transcoder(RawBinaryTranscoder.INSTANCE));
    long casBefore = collection.get("concat", raw()).cas();

    long appended = binary.append("concat", bytes("-end")).cas();
    binary.prepend("concat", bytes("start-"));

    assertThat(appended).isNotEqualTo(casBefore);
    assertThat(
            new String(
                collection.get("concat", raw()).contentAs(byte[].class), StandardCharsets.UTF_8))
        .isEqualTo("start-middle-end");
  }

  @Test
  void appendToAMissingDocumentFailsWithDocumentNotFound() {
    assertThatThrownBy(() -> binary.append("concat-missing", bytes("x")))
        .isInstanceOf(DocumentNotFoundException.class);
    assertThatThrownBy(() -> binary.prepend("concat-missing", bytes("x")))
        .isInstanceOf(DocumentNotFoundException.class);
  }

  private static GetOptions raw() {
    return GetOptions.getOptions().transcoder(RawBinaryTranscoder.INSTANCE);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
