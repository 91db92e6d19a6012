package org.settee.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.settee.testing.KvTestClient.bytes;
import static org.settee.testing.KvTestClient.counterValue;
import static org.settee.testing.KvTestClient.enabledFeatures;
import static org.settee.testing.KvTestClient.flagsOf;
import static org.settee.testing.KvTestClient.storeExtras;
import static org.settee.testing.KvTestClient.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.protocol.Datatype;
import org.settee.protocol.Feature;
import org.settee.protocol.Opcode;
import org.settee.protocol.RequestWriter;
import org.settee.protocol.ResponseFrame;
import org.settee.protocol.Status;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;
import org.settee.util.ManualClock;

/**
 * The KV protocol over a raw socket against an embedded node: quiet pipelines, CAS, expiry (with a
 * manual clock), mutation tokens, datatypes, HELLO, STAT and the other per-command rules.
 */
class KvProtocolIT {
  private static final byte[] EMPTY = new byte[0];
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  private static final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private static EmbeddedNode node;

  private KvTestClient client;

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
    client = node.admin();
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  /** Appends a request to a batch; returns its opaque. */
  private int queue(ByteBuf batch, Opcode op, String key, byte[] extras, byte[] value) {
    int opaque = client.nextOpaque();
    int vbucket = key.isEmpty() ? 0 : client.vbucketOf(key);
    RequestWriter.write(batch, op, vbucket, opaque, 0, extras, bytes(key), value);
    return opaque;
  }

  private static void assertStatus(ResponseFrame r, Status expected) {
    assertThat(r.status()).as("%s: %s", r, text(r.value())).isEqualTo(expected);
  }

  // ---- quiet commands and pipelining ----

  @Test
  void pipelinedQuietGetsAnswerOnlyTheHitsThenTheNoop() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      keys.add("pipeline-" + i);
      if (i % 2 == 0) {
        assertStatus(client.set("pipeline-" + i, "value-" + i), Status.SUCCESS);
      }
    }
    ByteBuf batch = Unpooled.buffer();
    int[] opaques = new int[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      opaques[i] = queue(batch, Opcode.GETKQ, keys.get(i), EMPTY, EMPTY);
    }
    int noop = queue(batch, Opcode.NOOP, "", EMPTY, EMPTY);
    client.send(batch);

    for (int i = 0; i < keys.size(); i += 2) {
      ResponseFrame hit = client.readResponse();
      assertStatus(hit, Status.SUCCESS);
      assertThat(hit.opcode()).isEqualTo(Opcode.GETKQ);
      assertThat(hit.opaque()).isEqualTo(opaques[i]);
      assertThat(text(hit.key())).isEqualTo(keys.get(i));
      assertThat(text(hit.value())).isEqualTo("value-" + i);
    }
    ResponseFrame end = client.readResponse();
    assertThat(end.opcode()).isEqualTo(Opcode.NOOP);
    assertThat(end.opaque()).isEqualTo(noop);
    assertStatus(end, Status.SUCCESS);
  }

  @Test
  void aDeepPipelineOfQuietSetsAndGetsIsAnsweredInOrder() {
    int n = 2_000;
    ByteBuf sets = Unpooled.buffer();
    for (int i = 0; i < n; i++) {
      queue(sets, Opcode.SETQ, "deep-" + i, storeExtras(i, 0), bytes("v" + i));
    }
    int setsDone = queue(sets, Opcode.NOOP, "", EMPTY, EMPTY);
    client.send(sets);
    ResponseFrame first = client.readResponse();
    assertThat(first.opaque()).as("only the NOOP answers").isEqualTo(setsDone);

    ByteBuf gets = Unpooled.buffer();
    int[] opaques = new int[n];
    for (int i = 0; i < n; i++) {
      opaques[i] = queue(gets, Opcode.GETQ, "deep-" + i, EMPTY, EMPTY);
    }
    int getsDone = queue(gets, Opcode.NOOP, "", EMPTY, EMPTY);
    client.send(gets);
    for (int i = 0; i < n; i++) {
      ResponseFrame r = client.readResponse();
      assertThat(r.opaque()).isEqualTo(opaques[i]);
      assertThat(r.key()).isEmpty();
      assertThat(flagsOf(r)).isEqualTo(i);
      assertThat(text(r.value())).isEqualTo("v" + i);
    }
    assertThat(client.readResponse().opaque()).isEqualTo(getsDone);
  }

  @Test
  void quietMutationsAreSilentOnSuccessButAnswerErrors() {
    assertStatus(client.set("quiet-existing", "x"), Status.SUCCESS);
    ByteBuf batch = Unpooled.buffer();
    queue(batch, Opcode.SETQ, "quiet-a", storeExtras(0, 0), bytes("1"));
    int add = queue(batch, Opcode.ADDQ, "quiet-existing", storeExtras(0, 0), bytes("2"));
    queue(batch, Opcode.APPENDQ, "quiet-a", EMPTY, bytes("+tail"));
    int replace = queue(batch, Opcode.REPLACEQ, "quiet-missing", storeExtras(0, 0), bytes("3"));
    int delete = queue(batch, Opcode.DELETEQ, "quiet-missing", EMPTY, EMPTY);
    queue(
        batch, Opcode.INCREMENTQ, "quiet-counter", KvTestClient.arithmeticExtras(1, 41, 0), EMPTY);
    int noop = queue(batch, Opcode.NOOP, "", EMPTY, EMPTY);
    client.send(batch);

    ResponseFrame addError = client.readResponse();
    assertThat(addError.opaque()).isEqualTo(add);
    assertThat(addError.opcode()).isEqualTo(Opcode.ADDQ);
    assertStatus(addError, Status.KEY_EEXISTS);
    ResponseFrame replaceError = client.readResponse();
    assertThat(replaceError.opaque()).isEqualTo(replace);
    assertStatus(replaceError, Status.KEY_ENOENT);
    ResponseFrame deleteError = client.readResponse();
    assertThat(deleteError.opaque()).isEqualTo(delete);
    assertStatus(deleteError, Status.KEY_ENOENT);
    assertThat(client.readResponse().opaque()).isEqualTo(noop);

    assertThat(text(client.get("quiet-a").value())).isEqualTo("1+tail");
    assertThat(text(client.get("quiet-existing").value())).isEqualTo("x");
    assertThat(text(client.get("quiet-counter").value())).isEqualTo("41");
  }

  @Test
  void aQuietGetAndTouchMissIsSilent() {
    ByteBuf batch = Unpooled.buffer();
    queue(batch, Opcode.GATQ, "gatq-missing", KvTestClient.int32(10), EMPTY);
    int noop = queue(batch, Opcode.NOOP, "", EMPTY, EMPTY);
    client.send(batch);
    assertThat(client.readResponse().opaque()).isEqualTo(noop);
  }

  // ---- CAS, flags, basic commands ----

  @Test
  void casMismatchIsKeyExists() {
    long cas = client.set("cas-doc", "a").cas();
    assertThat(cas).isNotZero();
    assertStatus(client.set("cas-doc", bytes("b"), 0, 0, cas + 1), Status.KEY_EEXISTS);
    assertThat(text(client.get("cas-doc").value())).isEqualTo("a");

    ResponseFrame replaced = client.replace("cas-doc", "b", cas);
    assertStatus(replaced, Status.SUCCESS);
    assertThat(replaced.cas()).isNotEqualTo(cas);
    assertThat(client.get("cas-doc").cas()).isEqualTo(replaced.cas());
    assertStatus(client.delete("cas-doc", cas), Status.KEY_EEXISTS);
    assertStatus(client.delete("cas-doc", replaced.cas()), Status.SUCCESS);
    assertStatus(client.set("cas-doc", bytes("c"), 0, 0, replaced.cas()), Status.KEY_ENOENT);
  }

  @Test
  void addWithACasIsInvalid() {
    ResponseFrame r = client.keyed(Opcode.ADD, "add-cas", storeExtras(0, 0), bytes("v"), 1234);
    assertStatus(r, Status.EINVAL);
    assertStatus(client.get("add-cas"), Status.KEY_ENOENT);
  }

  @Test
  void flagsRoundTrip() {
    client.set("flags-doc", bytes("v"), 0xcafebabe, 0, 0);
    ResponseFrame r = client.get("flags-doc");
    assertThat(r.extras()).hasSize(4);
    assertThat(flagsOf(r)).isEqualTo(0xcafebabe);
  }

  @Test
  void getkEchoesTheKeyOnHitAndMiss() {
    client.set("getk-doc", "v");
    ResponseFrame hit = client.keyed(Opcode.GETK, "getk-doc", EMPTY, EMPTY, 0);
    assertThat(text(hit.key())).isEqualTo("getk-doc");
    ResponseFrame miss = client.keyed(Opcode.GETK, "getk-missing", EMPTY, EMPTY, 0);
    assertStatus(miss, Status.KEY_ENOENT);
    assertThat(text(miss.key())).isEqualTo("getk-missing");
    ResponseFrame plainMiss = client.get("getk-missing");
    assertStatus(plainMiss, Status.KEY_ENOENT);
    assertThat(plainMiss.key()).isEmpty();
  }

  @Test
  void incrementAndDecrement() {
    ResponseFrame created = client.increment("ctr", 1, 10, 0);
    assertStatus(created, Status.SUCCESS);
    assertThat(counterValue(created)).isEqualTo(10);
    assertThat(counterValue(client.increment("ctr", 5, 0, 0))).isEqualTo(15);
    assertThat(counterValue(client.decrement("ctr", 100, 0, 0))).isZero();
    assertThat(text(client.get("ctr").value())).isEqualTo("0");
    assertStatus(client.increment("ctr-missing", 1, 0, 0xffffffff), Status.KEY_ENOENT);
    client.set("ctr-text", "abc");
    assertStatus(client.increment("ctr-text", 1, 0, 0), Status.DELTA_BADVAL);
    client.set("ctr-max", "18446744073709551615");
    assertThat(counterValue(client.increment("ctr-max", 2, 0, 0))).isEqualTo(1);
  }

  @Test
  void appendAndPrepend() {
    client.set("cat", "b");
    assertStatus(client.append("cat", "c"), Status.SUCCESS);
    assertStatus(client.prepend("cat", "a"), Status.SUCCESS);
    assertThat(text(client.get("cat").value())).isEqualTo("abc");
    assertStatus(client.append("cat-missing", "x"), Status.NOT_STORED);
    assertStatus(client.prepend("cat-missing", "x"), Status.NOT_STORED);
  }

  @Test
  void getMetaShowsTombstones() {
    client.set("meta-doc", bytes("{\"a\":1}"), 5, 0, 0);
    ResponseFrame live = client.keyed(Opcode.GET_META, "meta-doc", new byte[] {0x02}, EMPTY, 0);
    assertStatus(live, Status.SUCCESS);
    ByteBuffer extras = ByteBuffer.wrap(live.extras());
    assertThat(live.extras()).hasSize(21);
    assertThat(extras.getInt(0)).isZero();
    assertThat(extras.getInt(4)).isEqualTo(5);
    assertThat(extras.getLong(12)).isEqualTo(1); // revision
    assertThat(extras.get(20)).isEqualTo((byte) Datatype.JSON);

    client.delete("meta-doc", 0);
    ResponseFrame dead = client.keyed(Opcode.GET_META, "meta-doc", EMPTY, EMPTY, 0);
    assertStatus(dead, Status.SUCCESS);
    assertThat(dead.extras()).hasSize(20);
    assertThat(ByteBuffer.wrap(dead.extras()).getInt(0)).isEqualTo(1);
    assertThat(ByteBuffer.wrap(dead.extras()).getLong(12)).isEqualTo(2);
    assertStatus(client.keyed(Opcode.GET_META, "meta-never", EMPTY, EMPTY, 0), Status.KEY_ENOENT);
  }

  @Test
  void malformedRequestsAreInvalid() {
    assertStatus(client.keyed(Opcode.SET, "bad-set", EMPTY, bytes("v"), 0), Status.EINVAL);
    assertStatus(client.keyed(Opcode.GET, "bad-get", new byte[4], EMPTY, 0), Status.EINVAL);
    assertStatus(client.keyed(Opcode.GET, "bad-get", EMPTY, bytes("v"), 0), Status.EINVAL);
    assertStatus(client.set("k".repeat(251), "v"), Status.EINVAL);
    assertStatus(client.set("k".repeat(250), "v"), Status.SUCCESS);
    assertStatus(client.request(Opcode.GET, 0, EMPTY, EMPTY, EMPTY), Status.EINVAL);
    assertStatus(client.noop(), Status.SUCCESS);
  }

  @Test
  void errorsCarryAJsonContextOnlyWithXerror() throws IOException {
    ResponseFrame plain = client.keyed(Opcode.SET, "ctx", EMPTY, bytes("v"), 0);
    assertStatus(plain, Status.EINVAL);
    assertThat(plain.datatype()).isEqualTo(Datatype.RAW);

    client.hello(Feature.XERROR);
    ResponseFrame rich = client.keyed(Opcode.SET, "ctx", EMPTY, bytes("v"), 0);
    assertStatus(rich, Status.EINVAL);
    assertThat(rich.datatype()).isEqualTo(Datatype.JSON);
    JsonNode body = JSON.readTree(rich.value());
    assertThat(body.path("error").path("context").asText()).contains("extras");
  }

  @Test
  void unknownOpcodeIsAnsweredAndTheConnectionLives() {
    ResponseFrame r = client.request(0x7f, Datatype.RAW, 0, EMPTY, EMPTY, EMPTY, 0);
    assertThat(r.statusCode()).isEqualTo(Status.UNKNOWN_COMMAND.code());
    assertThat(r.opcodeByte()).isEqualTo(0x7f);
    assertStatus(client.noop(), Status.SUCCESS);

    try (KvTestClient fresh = node.connect()) {
      ResponseFrame beforeAuth = fresh.request(0xee, Datatype.RAW, 0, EMPTY, EMPTY, EMPTY, 0);
      assertThat(beforeAuth.statusCode()).isEqualTo(Status.UNKNOWN_COMMAND.code());
      assertStatus(
          fresh.authPlain(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD), Status.SUCCESS);
    }
  }

  @Test
  void versionIsDottedTriple() {
    ResponseFrame r = client.version();
    assertStatus(r, Status.SUCCESS);
    assertThat(text(r.value())).matches("\\d+\\.\\d+\\.\\d+");
  }

  @Test
  void quitAnswersThenCloses() {
    ResponseFrame r = client.request(Opcode.QUIT, 0, EMPTY, EMPTY, EMPTY);
    assertStatus(r, Status.SUCCESS);
    assertThat(client.awaitClosed(Duration.ofSeconds(5))).isTrue();
  }

  // ---- expiry (manual clock) ----

  @Test
  void relativeExpiry() {
    client.set("exp-relative", bytes("v"), 0, 10, 0);
    clock.advanceSeconds(9);
    assertStatus(client.get("exp-relative"), Status.SUCCESS);
    clock.advanceSeconds(2);
    assertStatus(client.get("exp-relative"), Status.KEY_ENOENT);
  }

  @Test
  void absoluteExpiryBeyondThirtyDays() {
    long now = clock.currentTimeSeconds();
    client.set("exp-absolute", bytes("v"), 0, (int) (now + 100), 0);
    clock.advanceSeconds(99);
    assertStatus(client.get("exp-absolute"), Status.SUCCESS);
    clock.advanceSeconds(2);
    assertStatus(client.get("exp-absolute"), Status.KEY_ENOENT);

    // 30 days + 1 s is an absolute time in January 1970: expired at once
    assertStatus(client.set("exp-past", bytes("v"), 0, 30 * 24 * 3600 + 1, 0), Status.SUCCESS);
    assertStatus(client.get("exp-past"), Status.KEY_ENOENT);
    client.set("exp-thirty-days", bytes("v"), 0, 30 * 24 * 3600, 0);
    assertStatus(client.get("exp-thirty-days"), Status.SUCCESS);
  }

  @Test
  void touchExtendsTheExpiry() {
    long cas = client.set("exp-touch", bytes("v"), 0, 10, 0).cas();
    clock.advanceSeconds(5);
    ResponseFrame touched = client.touch("exp-touch", 20);
    assertStatus(touched, Status.SUCCESS);
    assertThat(touched.cas()).isNotEqualTo(cas);
    clock.advanceSeconds(10); // 15 s after the set: the old expiry has passed
    assertStatus(client.get("exp-touch"), Status.SUCCESS);
    clock.advanceSeconds(11);
    assertStatus(client.get("exp-touch"), Status.KEY_ENOENT);
    assertStatus(client.touch("exp-touch", 20), Status.KEY_ENOENT);
  }

  @Test
  void getAndTouchReturnsTheDocumentAndExtends() {
    client.set("exp-gat", bytes("v"), 7, 10, 0);
    clock.advanceSeconds(5);
    ResponseFrame r = client.getAndTouch("exp-gat", 0);
    assertStatus(r, Status.SUCCESS);
    assertThat(text(r.value())).isEqualTo("v");
    assertThat(flagsOf(r)).isEqualTo(7);
    clock.advanceSeconds(3600);
    assertStatus(client.get("exp-gat"), Status.SUCCESS);
    assertStatus(client.getAndTouch("exp-gat-missing", 10), Status.KEY_ENOENT);
  }

  @Test
  void preserveTtlNeedsFlexibleFramingAndKeepsTheExpiry() {
    client.set("exp-preserve", bytes("v1"), 0, 100, 0);
    long expiry = clock.currentTimeSeconds() + 100;
    byte[] preserveTtl = {0x50};

    ResponseFrame refused =
        client.flexibleRequest(
            Opcode.SET, preserveTtl, storeExtras(0, 0), "exp-preserve", bytes("v2"), 0);
    assertStatus(refused, Status.EINVAL);

    client.hello(Feature.ALT_REQUEST_SUPPORT, Feature.PRESERVE_TTL);
    ResponseFrame kept =
        client.flexibleRequest(
            Opcode.SET, preserveTtl, storeExtras(0, 0), "exp-preserve", bytes("v2"), 0);
    assertStatus(kept, Status.SUCCESS);
    ResponseFrame meta = client.keyed(Opcode.GET_META, "exp-preserve", EMPTY, EMPTY, 0);
    assertThat(ByteBuffer.wrap(meta.extras()).getInt(8) & 0xffffffffL).isEqualTo(expiry);

    assertStatus(
        client.flexibleRequest(
            Opcode.SET, new byte[] {0x30}, storeExtras(0, 0), "exp-preserve", bytes("v3"), 0),
        Status.UNKNOWN_FRAME_INFO);
    assertStatus(
        client.flexibleRequest(
            Opcode.SET, new byte[] {0x11, 0x01}, storeExtras(0, 0), "exp-preserve", bytes("v3"), 0),
        Status.NOT_SUPPORTED);

    clock.advanceSeconds(101);
    assertStatus(client.get("exp-preserve"), Status.KEY_ENOENT);
  }

  // ---- mutation tokens ----

  @Test
  void mutationSeqnoExtrasCountUpPerVBucket() {
    String key = "seqno-doc";
    ResponseFrame before = client.set(key, "v0");
    assertThat(before.extras()).as("not negotiated yet").isEmpty();

    client.hello(Feature.MUTATION_SEQNO);
    String sameVb = keyInSameVBucket(key);
    ResponseFrame first = client.set(key, "v1");
    assertThat(first.extras()).hasSize(16);
    long uuid = ByteBuffer.wrap(first.extras()).getLong(0);
    long seqno = ByteBuffer.wrap(first.extras()).getLong(8);
    assertThat(seqno).isPositive();

    assertStatus(client.add(key, "refused"), Status.KEY_EEXISTS);
    List<ResponseFrame> mutations =
        List.of(
            client.set(key, "v2"),
            client.set(sameVb, "other"),
            client.append(key, "+"),
            client.increment(keyInSameVBucket(sameVb), 1, 1, 0),
            client.touch(key, 0),
            client.delete(key, 0));
    for (int i = 0; i < mutations.size(); i++) {
      ResponseFrame m = mutations.get(i);
      ByteBuffer extras = ByteBuffer.wrap(m.extras());
      if (m.opcode() == Opcode.TOUCH) {
        continue; // TOUCH answers with the CAS only
      }
      assertThat(m.extras()).as("%s", m).hasSize(16);
      assertThat(extras.getLong(0)).isEqualTo(uuid);
      assertThat(extras.getLong(8)).as("%s", m).isEqualTo(seqno + 1 + i);
    }
    ResponseFrame counter = mutations.get(3);
    assertThat(counter.value()).hasSize(8);
    assertThat(counterValue(counter)).isEqualTo(1);
  }

  private String keyInSameVBucket(String key) {
    int vb = client.vbucketOf(key);
    for (int i = 0; ; i++) {
      String candidate = key + "-" + i;
      if (client.vbucketOf(candidate) == vb) {
        return candidate;
      }
    }
  }

  // ---- datatypes ----

  @Test
  void jsonDatatypeOnlyWhenNegotiated() {
    client.set("json-doc", "{\"a\": [1, 2]}");
    client.set("json-not", "{not json");
    assertThat(client.get("json-doc").datatype()).isEqualTo(Datatype.RAW);

    client.hello(Feature.JSON);
    assertThat(client.get("json-doc").datatype()).isEqualTo(Datatype.JSON);
    assertThat(client.get("json-not").datatype()).isEqualTo(Datatype.RAW);

    client.hello(); // every HELLO starts from nothing
    assertThat(client.get("json-doc").datatype()).isEqualTo(Datatype.RAW);
  }

  @Test
  void aDatatypeBitThatWasNotNegotiatedIsInvalid() {
    String key = "json-bit";
    int vb = client.vbucketOf(key);
    ResponseFrame refused =
        client.request(
            Opcode.SET.code(), Datatype.JSON, vb, storeExtras(0, 0), bytes(key), bytes("{}"), 0);
    assertStatus(refused, Status.EINVAL);
    client.hello(Feature.JSON);
    ResponseFrame accepted =
        client.request(
            Opcode.SET.code(), Datatype.JSON, vb, storeExtras(0, 0), bytes(key), bytes("{}"), 0);
    assertStatus(accepted, Status.SUCCESS);
    ResponseFrame xattr =
        client.request(
            Opcode.SET.code(), Datatype.XATTR, vb, storeExtras(0, 0), bytes(key), bytes("{}"), 0);
    assertStatus(xattr, Status.EINVAL);
  }

  @Test
  void snappyValuesAreInflatedOnlyWhenNegotiated() {
    String key = "snappy-doc";
    int vb = client.vbucketOf(key);
    byte[] raw = bytes("{\"text\":\"" + "compressible ".repeat(100) + "\"}");
    byte[] compressed = KvTestClient.snappy(raw);
    assertThat(compressed.length).isLessThan(raw.length);

    ResponseFrame refused =
        client.request(
            Opcode.SET.code(), Datatype.SNAPPY, vb, storeExtras(3, 0), bytes(key), compressed, 0);
    assertStatus(refused, Status.EINVAL);
    assertStatus(client.get(key), Status.KEY_ENOENT);

    client.hello(Feature.SNAPPY, Feature.JSON);
    ResponseFrame stored =
        client.request(
            Opcode.SET.code(), Datatype.SNAPPY, vb, storeExtras(3, 0), bytes(key), compressed, 0);
    assertStatus(stored, Status.SUCCESS);
    ResponseFrame read = client.get(key);
    assertThat(read.value()).isEqualTo(raw);
    assertThat(read.datatype() & Datatype.SNAPPY).isZero();
    assertThat(read.datatype() & Datatype.JSON).isEqualTo(Datatype.JSON);
    assertThat(flagsOf(read)).isEqualTo(3);

    byte[] lying = {0x0a, 0x00, 'x'}; // announces 10 bytes, holds 1
    ResponseFrame bad =
        client.request(
            Opcode.SET.code(), Datatype.SNAPPY, vb, storeExtras(0, 0), bytes(key), lying, 0);
    assertStatus(bad, Status.EINVAL);
    assertThat(client.get(key).value()).isEqualTo(raw);
  }

  // ---- HELLO ----

  @Test
  void helloIgnoresUnknownFeaturesAndEchoesTheEnabledOnes() {
    ResponseFrame r =
        client.helloCodes(
            0x01, // the retired Datatype feature
            Feature.JSON.code(),
            0x1234,
            Feature.XERROR.code(),
            Feature.COLLECTIONS.code(), // known, not supported yet
            0xffff);
    assertStatus(r, Status.SUCCESS);
    assertThat(enabledFeatures(r))
        .containsExactlyInAnyOrder(Feature.JSON.code(), Feature.XERROR.code());
  }

  @Test
  void helloRefusesClustermapNotificationsWithoutDuplex() {
    assertStatus(client.hello(Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF), Status.EINVAL);
    ResponseFrame ok = client.hello(Feature.DUPLEX, Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF);
    assertThat(enabledFeatures(ok))
        .containsExactlyInAnyOrder(
            Feature.DUPLEX.code(), Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF.code());
  }

  // ---- STAT ----

  private static Map<String, String> asMap(List<ResponseFrame> stats) {
    Map<String, String> map = new LinkedHashMap<>();
    for (ResponseFrame r : stats.subList(0, stats.size() - 1)) {
      map.put(text(r.key()), text(r.value()));
    }
    return map;
  }

  private static void assertTerminated(List<ResponseFrame> stats) {
    ResponseFrame last = stats.get(stats.size() - 1);
    assertStatus(last, Status.SUCCESS);
    assertThat(last.key()).isEmpty();
    assertThat(last.value()).isEmpty();
    int opaque = stats.get(0).opaque();
    assertThat(stats).allSatisfy(r -> assertThat(r.opaque()).isEqualTo(opaque));
    assertThat(stats).allSatisfy(r -> assertThat(r.opcode()).isEqualTo(Opcode.STAT));
  }

  @Test
  void defaultStats() {
    client.set("stat-doc", "v");
    List<ResponseFrame> stats = client.stats("");
    assertTerminated(stats);
    Map<String, String> map = asMap(stats);
    assertThat(map.get("version")).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(map.get("ep_max_vbuckets")).isEqualTo("64");
    assertThat(Long.parseLong(map.get("curr_items"))).isPositive();
    assertThat(Long.parseLong(map.get("cmd_set"))).isPositive();
    assertThat(Integer.parseInt(map.get("curr_connections"))).isPositive();
  }

  @Test
  void vbucketStats() {
    List<ResponseFrame> stats = client.stats("vbucket");
    assertTerminated(stats);
    Map<String, String> map = asMap(stats);
    assertThat(map).hasSize(64);
    for (int i = 0; i < 64; i++) {
      assertThat(map).containsEntry("vb_" + i, "active");
    }
  }

  @Test
  void connectionStats() throws IOException {
    try (KvTestClient other = node.admin()) {
      other.hello(Feature.XERROR);
      List<ResponseFrame> stats = client.stats("connections");
      assertTerminated(stats);
      List<JsonNode> connections = new ArrayList<>();
      for (String json : asMap(stats).values()) {
        connections.add(JSON.readTree(json));
      }
      assertThat(connections.size()).isGreaterThanOrEqualTo(2);
      assertThat(connections)
          .anySatisfy(
              c -> {
                assertThat(c.path("user").asText()).isEqualTo(EmbeddedNode.ADMIN);
                assertThat(c.path("bucket").asText()).isEqualTo("default");
                assertThat(c.path("agent_name").asText()).isEqualTo("settee-test");
                assertThat(c.path("features").toString()).contains("XERROR");
              });
    }
  }

  @Test
  void unknownStatGroupIsNotFound() {
    List<ResponseFrame> stats = client.stats("no-such-group");
    assertThat(stats).hasSize(1);
    assertStatus(stats.get(0), Status.KEY_ENOENT);
    assertStatus(client.noop(), Status.SUCCESS);
  }

  // ---- flush ----

  @Test
  void flushEmptiesTheBucketWhenEnabled() {
    node.node().createBucket(new BucketSettings("flushable", BucketType.COUCHBASE, 100, 64, true));
    node.node().createBucket(new BucketSettings("permanent", BucketType.COUCHBASE, 100, 64, false));

    assertStatus(client.selectBucket("flushable"), Status.SUCCESS);
    client.set("flush-doc", "v");
    assertStatus(client.request(Opcode.FLUSH, 0, EMPTY, EMPTY, EMPTY), Status.SUCCESS);
    assertStatus(client.get("flush-doc"), Status.KEY_ENOENT);
    assertThat(node.node().buckets().get("flushable").itemCount()).isZero();

    assertStatus(client.selectBucket("permanent"), Status.SUCCESS);
    client.set("flush-doc", "v");
    assertStatus(client.request(Opcode.FLUSH, 0, EMPTY, EMPTY, EMPTY), Status.NOT_SUPPORTED);
    assertStatus(client.get("flush-doc"), Status.SUCCESS);
  }
}
