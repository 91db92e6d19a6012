package org.settee.dcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.settee.protocol.Feature;
import org.settee.protocol.Opcode;
import org.settee.protocol.RequestWriter;
import org.settee.protocol.ResponseFrame;
import org.settee.testing.EmbeddedNode;
import org.settee.testing.KvTestClient;

/**
 * Writes documents through the KV port as fast as one connection allows (requests pipelined in
 * batches, every response checked) and keeps what a DCP stream must end up with: the latest value
 * of every key, or the fact that it was deleted, and each vBucket's high seqno and UUID as the
 * mutation tokens reported them.
 */
final class BucketWriter implements AutoCloseable {
  /** How many requests go out before their responses are read: well inside socket buffers. */
  private static final int BATCH = 512;

  private static final Duration PERSIST_DEADLINE = Duration.ofSeconds(30);
  private static final byte[] NONE = new byte[0];

  /** A mutation token: the vBucket, its UUID and the seqno. */
  record Token(int vb, long uuid, long seqno) {}

  private final KvTestClient client;
  private final int numVBuckets;

  /** Key to latest value; an empty Optional means the last thing done to the key was a delete. */
  private final Map<String, Optional<String>> expected = new ConcurrentHashMap<>();

  /** The newest token seen per vBucket. */
  private final Map<Integer, Token> high = new ConcurrentHashMap<>();

  private final List<Op> pending = new ArrayList<>();

  /** {@code expiry} as the protocol takes it: 0 = never, up to 30 days = seconds from now. */
  private record Op(String key, String value, int expiry) {
    boolean isDelete() {
      return value == null;
    }
  }

  private BucketWriter(KvTestClient client, int numVBuckets) {
    this.client = client;
    this.numVBuckets = numVBuckets;
  }

  /** A writer on a new administrator connection that asked for mutation tokens. */
  static BucketWriter open(int kvPort, int numVBuckets, String bucket) {
    KvTestClient c = KvTestClient.connect(kvPort, numVBuckets);
    try {
      ResponseFrame hello = c.hello(Feature.MUTATION_SEQNO, Feature.XERROR);
      if (!KvTestClient.enabledFeatures(hello).contains(Feature.MUTATION_SEQNO.code())) {
        throw new AssertionError("the server did not enable mutation tokens: " + hello);
      }
      c.login(EmbeddedNode.ADMIN, EmbeddedNode.ADMIN_PASSWORD, bucket);
      return new BucketWriter(c, numVBuckets);
    } catch (RuntimeException | AssertionError e) {
      c.close();
      throw e;
    }
  }

  int numVBuckets() {
    return numVBuckets;
  }

  KvTestClient client() {
    return client;
  }

  /** The vBucket a client sends the key to. */
  int vbucketOf(String key) {
    return KvTestClient.vbucketOf(KvTestClient.bytes(key), numVBuckets);
  }

  /** Queues a SET; sent with the next {@link #flush}. */
  BucketWriter set(String key, String value) {
    return set(key, value, 0);
  }

  /**
   * Queues a SET of a document that expires {@code ttlSeconds} after the server receives it (by the
   * server's clock); the writer's record keeps its value, expiring is the test's business.
   */
  BucketWriter set(String key, String value, int ttlSeconds) {
    pending.add(new Op(key, value, ttlSeconds));
    return this;
  }

  /** Queues a DELETE of a key that exists; sent with the next {@link #flush}. */
  BucketWriter delete(String key) {
    pending.add(new Op(key, null, 0));
    return this;
  }

  /** A JSON value that names the key and a version, so that a stale value is recognisable. */
  static String value(String key, int version) {
    return "{\"key\":\"" + key + "\",\"version\":" + version + "}";
  }

  /** Sends everything queued, pipelined; fails on any non-success response. */
  void flush() {
    for (int from = 0; from < pending.size(); from += BATCH) {
      List<Op> batch = pending.subList(from, Math.min(pending.size(), from + BATCH));
      ByteBuf frames = Unpooled.buffer(batch.size() * 96);
      int firstOpaque = -1;
      for (Op op : batch) {
        int opaque = client.nextOpaque();
        if (firstOpaque < 0) {
          firstOpaque = opaque;
        }
        byte[] key = op.key().getBytes(StandardCharsets.UTF_8);
        int vb = vbucketOf(op.key());
        if (op.isDelete()) {
          RequestWriter.write(frames, Opcode.DELETE, vb, opaque, 0, NONE, key, NONE);
        } else {
          byte[] extras = KvTestClient.storeExtras(0, op.expiry());
          byte[] value = op.value().getBytes(StandardCharsets.UTF_8);
          RequestWriter.write(frames, Opcode.SET, vb, opaque, 0, extras, key, value);
        }
      }
      client.send(frames);
      for (int i = 0; i < batch.size(); i++) {
        Op op = batch.get(i);
        ResponseFrame r = client.readResponse();
        if (!r.isSuccess() || r.opaque() != firstOpaque + i) {
          throw new AssertionError(
              (op.isDelete() ? "DELETE " : "SET ") + op.key() + " failed or out of order: " + r);
        }
        ByteBuffer token = ByteBuffer.wrap(r.extras());
        Token t = new Token(vbucketOf(op.key()), token.getLong(0), token.getLong(8));
        high.merge(t.vb(), t, (a, b) -> b.seqno() > a.seqno() ? b : a);
        expected.put(op.key(), Optional.ofNullable(op.value()));
      }
    }
    pending.clear();
  }

  /** Latest state per key: a value, or empty for a deleted key. */
  Map<String, Optional<String>> expected() {
    return Map.copyOf(expected);
  }

  /** The high seqno of every vBucket written so far (vBuckets never written are absent). */
  Map<Integer, Long> highSeqnos() {
    Map<Integer, Long> out = new HashMap<>();
    high.forEach((vb, t) -> out.put(vb, t.seqno()));
    return out;
  }

  /** The newest token per vBucket. */
  Map<Integer, Token> tokens() {
    return Map.copyOf(high);
  }

  /** Waits until every vBucket's newest write is on disk (OBSERVE_SEQNO, as PersistTo does). */
  void awaitPersisted() {
    for (Token t : high.values()) {
      boolean persisted =
          EmbeddedNode.await(
              PERSIST_DEADLINE,
              () -> {
                ResponseFrame r =
                    client.request(
                        Opcode.OBSERVE_SEQNO,
                        t.vb(),
                        NONE,
                        NONE,
                        ByteBuffer.allocate(8).putLong(t.uuid()).array());
                if (!r.isSuccess()) {
                  throw new AssertionError("OBSERVE_SEQNO of vb " + t.vb() + ": " + r);
                }
                // format 0: format u8, vb u16, uuid u64, persisted seqno u64, current seqno u64
                return ByteBuffer.wrap(r.value()).getLong(11) >= t.seqno();
              });
      if (!persisted) {
        throw new AssertionError("seqno " + t.seqno() + " of vb " + t.vb() + " never persisted");
      }
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
