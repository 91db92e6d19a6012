package org.settee.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.core.error.CasMismatchException;
import com.couchbase.client.core.error.DocumentExistsException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.core.error.ValueTooLargeException;
import com.couchbase.client.core.msg.kv.MutationToken;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.codec.RawStringTranscoder;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.GetOptions;
import com.couchbase.client.java.kv.GetReplicaResult;
import com.couchbase.client.java.kv.GetResult;
import com.couchbase.client.java.kv.IncrementOptions;
import com.couchbase.client.java.kv.MutationResult;
import com.couchbase.client.java.kv.ReplaceOptions;
import com.couchbase.client.java.kv.UpsertOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.VBucket;

/**
 * Document CRUD through the official SDK: contents, CAS, the SDK's exception for each failure
 * status, mutation tokens, transcoders and large (compressed and incompressible) documents.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SdkKeyValueIT {
  private static final int ONE_MIB = 1024 * 1024;

  @TempDir static Path dataDir;
  private static SdkFixture fixture;
  private static Collection collection;

  @BeforeAll
  static void start() {
    fixture = SdkFixture.start(dataDir);
    collection = fixture.connectAdmin().cluster().bucket(SdkFixture.BUCKET).defaultCollection();
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void upsertThenGetReturnsTheContentAndTheCasOfTheWrite() {
    MutationResult written =
        collection.upsert("crud-1", JsonObject.create().put("name", "settee").put("legs", 4));
    GetResult read = collection.get("crud-1");
    assertThat(read.contentAsObject())
        .isEqualTo(JsonObject.create().put("name", "settee").put("legs", 4));
    assertThat(read.cas()).isNotZero().isEqualTo(written.cas());

    MutationResult rewritten = collection.upsert("crud-1", JsonObject.create().put("legs", 3));
    assertThat(rewritten.cas()).isNotEqualTo(written.cas());
    assertThat(collection.get("crud-1").contentAsObject().getInt("legs")).isEqualTo(3);
  }

  @Test
  void insertOnAnExistingIdFailsWithDocumentExists() {
    collection.insert("crud-insert", JsonObject.create().put("v", 1));
    assertThatThrownBy(() -> collection.insert("crud-insert", JsonObject.create().put("v", 2)))
        .isInstanceOf(DocumentExistsException.class);
    assertThat(collection.get("crud-insert").contentAsObject().getInt("v")).isEqualTo(1);
  }

  @Test
  void replaceChecksTheCas() {
    long first = collection.upsert("crud-cas", JsonObject.create().put("v", 1)).cas();
    long second =
        collection
            .replace(
                "crud-cas",
                JsonObject.create().put("v", 2),
                ReplaceOptions.replaceOptions().cas(first))
            .cas();

    assertThatThrownBy(
            () ->
                collection.replace(
                    "crud-cas",
                    JsonObject.create().put("v", 3),
                    ReplaceOptions.replaceOptions().cas(first)))
        .isInstanceOf(CasMismatchException.class);
    GetResult read = collection.get("crud-cas");
    assertThat(read.contentAsObject().getInt("v")).isEqualTo(2);
    assertThat(read.cas()).isEqualTo(second);
  }

  @Test
  void replaceOfAMissingDocumentFailsWithDocumentNotFound() {
    assertThatThrownBy(() -> collection.replace("crud-never", JsonObject.create()))
        .isInstanceOf(DocumentNotFoundException.class);
  }

  @Test
  void removeThenGetFailsWithDocumentNotFound() {
    collection.upsert("crud-remove", JsonObject.create().put("v", 1));
    MutationResult removed = collection.remove("crud-remove");
    assertThat(removed.cas()).isNotZero();

    assertThatThrownBy(() -> collection.get("crud-remove"))
        .isInstanceOf(DocumentNotFoundException.class);
    assertThatThrownBy(() -> collection.remove("crud-remove"))
        .isInstanceOf(DocumentNotFoundException.class);
  }

  @Test
  void existsReportsPresenceWithTheCasAndAbsence() {
    long cas = collection.upsert("crud-exists", JsonObject.create()).cas();
    assertThat(collection.exists("crud-exists").exists()).isTrue();
    assertThat(collection.exists("crud-exists").cas()).isEqualTo(cas);
    assertThat(collection.exists("crud-exists-never").exists()).isFalse();

    collection.remove("crud-exists");
    assertThat(collection.exists("crud-exists").exists()).isFalse();
  }

  @Test
  void everyMutationCarriesATokenOfTheKeysVBucket() {
    String id = "crud-token";
    MutationResult upsert = collection.upsert(id, JsonObject.create().put("v", 1));
    MutationResult replace = collection.replace(id, JsonObject.create().put("v", 2));
    MutationResult remove = collection.remove(id);
    MutationResult insert = collection.insert(id, JsonObject.create().put("v", 3));

    int vb = vbucketOf(id);
    VBucket server = fixture.node().buckets().get(SdkFixture.BUCKET).vbucket(vb);
    long previous = 0;
    for (MutationResult r : new MutationResult[] {upsert, replace, remove, insert}) {
      assertThat(r.mutationToken()).as("token of %s", r).isPresent();
      MutationToken t = r.mutationToken().orElseThrow();
      assertThat(t.bucketName()).isEqualTo(SdkFixture.BUCKET);
      assertThat((int) t.partitionID()).isEqualTo(vb);
      assertThat(t.partitionUUID()).isEqualTo(server.uuid());
      assertThat(t.sequenceNumber()).isGreaterThan(previous);
      previous = t.sequenceNumber();
    }
    assertThat(previous).isEqualTo(server.highSeqno());

    assertThat(
            collection
                .binary()
                .increment("crud-token-counter", IncrementOptions.incrementOptions().initial(1))
                .mutationToken())
        .isPresent();
  }

  @Test
  void transcodersKeepTheirFormatThroughTheFlags() {
    collection.upsert(
        "crud-text",
        "plain text, not JSON",
        UpsertOptions.upsertOptions().transcoder(RawStringTranscoder.INSTANCE));
    byte[] binary = {0, 1, 2, (byte) 0xff};
    collection.upsert(
        "crud-binary",
        binary,
        UpsertOptions.upsertOptions().transcoder(RawBinaryTranscoder.INSTANCE));

    assertThat(
            collection
                .get("crud-text", GetOptions.getOptions().transcoder(RawStringTranscoder.INSTANCE))
                .contentAs(String.class))
        .isEqualTo("plain text, not JSON");
    assertThat(
            collection
                .get(
                    "crud-binary", GetOptions.getOptions().transcoder(RawBinaryTranscoder.INSTANCE))
                .contentAs(byte[].class))
        .isEqualTo(binary);
  }

  @Test
  void aCompressibleOneMebibyteDocumentRoundTrips() {
    // Repetitive JSON: the SDK sends it Snappy-compressed (SNAPPY is negotiated).
    String filler = "settee ".repeat(ONE_MIB / 7);
    JsonObject doc = JsonObject.create().put("filler", filler);
    long cas = collection.upsert("crud-large-json", doc).cas();

    GetResult read = collection.get("crud-large-json");
    assertThat(read.cas()).isEqualTo(cas);
    assertThat(read.contentAsObject().getString("filler")).isEqualTo(filler);
    assertThat(read.contentAsBytes().length).isGreaterThan(ONE_MIB - 16);
  }

  @Test
  void anIncompressibleOneMebibyteDocumentRoundTrips() {
    byte[] random = new byte[ONE_MIB];
    new Random(42).nextBytes(random);
    collection.upsert(
        "crud-large-binary",
        random,
        UpsertOptions.upsertOptions().transcoder(RawBinaryTranscoder.INSTANCE));

    byte[] read =
        collection
            .get(
                "crud-large-binary",
                GetOptions.getOptions().transcoder(RawBinaryTranscoder.INSTANCE))
            .contentAs(byte[].class);
    assertThat(read).isEqualTo(random);
  }

  @Test
  void aDocumentOverTheItemLimitFailsWithValueTooLarge() {
    byte[] tooLarge = new byte[fixture.node().options().maxItemSize() + 1];
    new Random(7).nextBytes(tooLarge);
    assertThatThrownBy(
            () ->
                collection.upsert(
                    "crud-too-large",
                    tooLarge,
                    UpsertOptions.upsertOptions().transcoder(RawBinaryTranscoder.INSTANCE)))
        .isInstanceOf(ValueTooLargeException.class);
    assertThat(collection.exists("crud-too-large").exists()).isFalse();
  }

  @Test
  void replicaReadsOnABucketWithoutReplicasReturnTheActiveCopy() {
    long cas = collection.upsert("crud-replica", JsonObject.create().put("v", 1)).cas();
    GetReplicaResult any = collection.getAnyReplica("crud-replica");
    assertThat(any.isReplica()).isFalse();
    assertThat(any.cas()).isEqualTo(cas);
    assertThat(collection.getAllReplicas("crud-replica").toList())
        .singleElement()
        .satisfies(r -> assertThat(r.contentAsObject().getInt("v")).isEqualTo(1));
  }

  /** The vBucket a Couchbase client maps {@code id} to: CRC-32, upper half, masked. */
  private static int vbucketOf(String id) {
    CRC32 crc = new CRC32();
    crc.update(id.getBytes(StandardCharsets.UTF_8));
    int numVBuckets = fixture.node().buckets().get(SdkFixture.BUCKET).numVBuckets();
    return (int) ((crc.getValue() >>> 16) & 0x7fff) & (numVBuckets - 1);
  }
}
