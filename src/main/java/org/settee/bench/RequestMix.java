package org.settee.bench;

import io.netty.buffer.ByteBuf;
import java.util.SplittableRandom;
import org.settee.protocol.Datatype;
import org.settee.protocol.Opcode;
import org.settee.protocol.RequestWriter;

/**
 * Chooses and writes the bench's requests: keys uniformly at random, GET or SET by the configured
 * ratio, each addressed to its key's vBucket, every SET carrying the same random value. One per
 * connection (it owns a random generator and scratch space), so writing allocates nothing.
 */
final class RequestMix {
  private final long keys;
  private final double getRatio;
  private final SplittableRandom random;
  private final VBucketHash vbuckets;
  private final byte[] key = new byte[KeySpace.MAX_KEY_LENGTH];
  private final byte[] value;

  RequestMix(BenchConfig config, long seed) {
    this.keys = config.keys();
    this.getRatio = config.getRatio();
    this.random = new SplittableRandom(seed);
    this.vbuckets = new VBucketHash(config.vbuckets());
    this.value = new byte[config.valueSize()];
    random.nextBytes(value);
  }

  /**
   * Writes a GET or a SET of a random key.
   *
   * @return the opcode written
   */
  Opcode writeRandom(ByteBuf out, int opaque) {
    long n = random.nextLong(keys);
    if (random.nextDouble() < getRatio) {
      writeGet(out, opaque, n);
      return Opcode.GET;
    }
    writeSet(out, opaque, n);
    return Opcode.SET;
  }

  /** Writes a GET of key number {@code n}. */
  void writeGet(ByteBuf out, int opaque, long n) {
    int keyLength = KeySpace.write(n, key);
    RequestWriter.writeHeader(
        out,
        Opcode.GET.code(),
        Datatype.RAW,
        vbuckets.vbucket(key, keyLength),
        opaque,
        0,
        0,
        keyLength,
        0);
    out.writeBytes(key, 0, keyLength);
  }

  /** Writes a SET (no flags, no expiry) of key number {@code n}. */
  void writeSet(ByteBuf out, int opaque, long n) {
    int keyLength = KeySpace.write(n, key);
    RequestWriter.writeHeader(
        out,
        Opcode.SET.code(),
        Datatype.RAW,
        vbuckets.vbucket(key, keyLength),
        opaque,
        0,
        RequestWriter.SET_EXTRAS_LENGTH,
        keyLength,
        value.length);
    out.writeInt(0); // flags
    out.writeInt(0); // expiry: never
    out.writeBytes(key, 0, keyLength);
    out.writeBytes(value);
  }
}
