package org.settee.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.compression.Snappy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.settee.protocol.Datatype;
import org.settee.protocol.Feature;
import org.settee.protocol.Magic;
import org.settee.protocol.Opcode;
import org.settee.protocol.RequestWriter;
import org.settee.protocol.ResponseFrame;

/**
 * A blocking raw-socket KV client for tests: it writes frames with {@link RequestWriter}, reads
 * {@link ResponseFrame}s, and never waits longer than its read timeout, so a test that expects an
 * answer the server never sends fails instead of hanging. Not thread-safe.
 */
public final class KvTestClient implements AutoCloseable {
  /** The longest any read waits for the server. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

  private static final byte[] EMPTY = new byte[0];

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final ByteBuf inbound = Unpooled.buffer();
  private final byte[] readChunk = new byte[64 * 1024];
  private final int numVBuckets;
  private int nextOpaque = 1;

  private KvTestClient(Socket socket, int numVBuckets) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.numVBuckets = numVBuckets;
  }

  /** Connects to a local node whose buckets have {@code numVBuckets} vBuckets. */
  public static KvTestClient connect(int port, int numVBuckets) {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) READ_TIMEOUT.toMillis());
      return new KvTestClient(socket, numVBuckets);
    } catch (IOException e) {
      closeQuietly(socket);
      throw new UncheckedIOException("cannot connect to port " + port, e);
    }
  }

  /**
   * Connects over TLS (the handshake done before this returns) to a local node whose buckets have
   * {@code numVBuckets} vBuckets.
   */
  public static KvTestClient connectTls(int port, int numVBuckets, SSLContext tls) {
    Socket plain = new Socket();
    try {
      plain.setTcpNoDelay(true);
      plain.connect(new InetSocketAddress("127.0.0.1", port), (int) READ_TIMEOUT.toMillis());
      SSLSocket socket =
          (SSLSocket) tls.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      socket.startHandshake();
      return new KvTestClient(socket, numVBuckets);
    } catch (IOException e) {
      closeQuietly(plain);
      throw new UncheckedIOException("cannot connect over TLS to port " + port, e);
    }
  }

  /** The TLS session, when connected with {@link #connectTls}. */
  public SSLSession tlsSession() {
    return ((SSLSocket) socket).getSession();
  }

  /** The vBucket a Couchbase client sends {@code key} to: CRC-32, upper half, masked. */
  public static int vbucketOf(byte[] key, int numVBuckets) {
    CRC32 crc = new CRC32();
    crc.update(key);
    return (int) ((crc.getValue() >>> 16) & 0x7fff) & (numVBuckets - 1);
  }

  public int vbucketOf(String key) {
    return vbucketOf(bytes(key), numVBuckets);
  }

  /** A fresh opaque, so each request's response can be matched to it. */
  public int nextOpaque() {
    return nextOpaque++;
  }

  // ---- session ----

  /** HELLO with the given features; returns the response (its value lists the enabled ones). */
  public ResponseFrame hello(Feature... features) {
    ByteBuf frame = Unpooled.buffer();
    RequestWriter.hello(frame, nextOpaque(), "settee-test", features);
    return execute(frame);
  }

  /** HELLO with raw feature codes, including ones Settee does not know. */
  public ResponseFrame helloCodes(int... codes) {
    ByteBuffer value = ByteBuffer.allocate(2 * codes.length);
    for (int code : codes) {
      value.putShort((short) code);
    }
    return request(Opcode.HELLO, 0, EMPTY, bytes("settee-test"), value.array());
  }

  /** The feature codes a HELLO response enabled. */
  public static List<Integer> enabledFeatures(ResponseFrame helloResponse) {
    List<Integer> codes = new ArrayList<>();
    ByteBuffer value = ByteBuffer.wrap(helloResponse.value());
    while (value.remaining() >= 2) {
      codes.add(value.getShort() & 0xffff);
    }
    return codes;
  }

  public ResponseFrame authPlain(String user, String password) {
    ByteBuf frame = Unpooled.buffer();
    RequestWriter.saslAuthPlain(frame, nextOpaque(), user, password);
    return execute(frame);
  }

  public ResponseFrame selectBucket(String bucket) {
    ByteBuf frame = Unpooled.buffer();
    RequestWriter.selectBucket(frame, nextOpaque(), bucket);
    return execute(frame);
  }

  /** Authenticates with PLAIN and selects the bucket, failing the test if either is refused. */
  public KvTestClient login(String user, String password, String bucket) {
    expectSuccess(authPlain(user, password), "SASL PLAIN as " + user);
    if (bucket != null) {
      expectSuccess(selectBucket(bucket), "SELECT_BUCKET " + bucket);
    }
    return this;
  }

  public ResponseFrame noop() {
    return request(Opcode.NOOP, 0, EMPTY, EMPTY, EMPTY);
  }

  public ResponseFrame version() {
    return request(Opcode.VERSION, 0, EMPTY, EMPTY, EMPTY);
  }

  /** STAT of a group ("" for the default one): every response up to the empty-key terminator. */
  public List<ResponseFrame> stats(String group) {
    int opaque = nextOpaque();
    ByteBuf frame = Unpooled.buffer();
    RequestWriter.write(frame, Opcode.STAT, 0, opaque, 0, EMPTY, bytes(group), EMPTY);
    send(frame);
    List<ResponseFrame> responses = new ArrayList<>();
    while (true) {
      ResponseFrame r = readResponse();
      responses.add(r);
      if (!r.isSuccess() || r.key().length == 0) {
        return responses;
      }
    }
  }

  // ---- documents (the key's vBucket is computed as a client would) ----

  public ResponseFrame get(String key) {
    return keyed(Opcode.GET, key, EMPTY, EMPTY, 0);
  }

  public ResponseFrame set(String key, String value) {
    return store(Opcode.SET, key, bytes(value), 0, 0, 0);
  }

  public ResponseFrame set(String key, byte[] value, int flags, int expiry, long cas) {
    return store(Opcode.SET, key, value, flags, expiry, cas);
  }

  public ResponseFrame add(String key, String value) {
    return store(Opcode.ADD, key, bytes(value), 0, 0, 0);
  }

  public ResponseFrame replace(String key, String value, long cas) {
    return store(Opcode.REPLACE, key, bytes(value), 0, 0, cas);
  }

  /** SET, ADD or REPLACE (or a quiet form, which may get no answer: use {@link #send}). */
  public ResponseFrame store(Opcode op, String key, byte[] value, int flags, int expiry, long cas) {
    return keyed(op, key, storeExtras(flags, expiry), value, cas);
  }

  public ResponseFrame delete(String key, long cas) {
    return keyed(Opcode.DELETE, key, EMPTY, EMPTY, cas);
  }

  public ResponseFrame touch(String key, int expiry) {
    return keyed(Opcode.TOUCH, key, int32(expiry), EMPTY, 0);
  }

  public ResponseFrame getAndTouch(String key, int expiry) {
    return keyed(Opcode.GAT, key, int32(expiry), EMPTY, 0);
  }

  /** GET_LOCKED; {@code lockSeconds} 0 sends no extras (the server's default lock time). */
  public ResponseFrame getLocked(String key, int lockSeconds) {
    return keyed(Opcode.GET_LOCKED, key, lockSeconds == 0 ? EMPTY : int32(lockSeconds), EMPTY, 0);
  }

  public ResponseFrame unlock(String key, long cas) {
    return keyed(Opcode.UNLOCK_KEY, key, EMPTY, EMPTY, cas);
  }

  public ResponseFrame increment(String key, long delta, long initial, int expiry) {
    return keyed(Opcode.INCREMENT, key, arithmeticExtras(delta, initial, expiry), EMPTY, 0);
  }

  public ResponseFrame decrement(String key, long delta, long initial, int expiry) {
    return keyed(Opcode.DECREMENT, key, arithmeticExtras(delta, initial, expiry), EMPTY, 0);
  }

  public ResponseFrame append(String key, String piece) {
    return keyed(Opcode.APPEND, key, EMPTY, bytes(piece), 0);
  }

  public ResponseFrame prepend(String key, String piece) {
    return keyed(Opcode.PREPEND, key, EMPTY, bytes(piece), 0);
  }

  /** A request on the key's own vBucket. */
  public ResponseFrame keyed(Opcode op, String key, byte[] extras, byte[] value, long cas) {
    return request(op, vbucketOf(key), extras, bytes(key), value, cas);
  }

  public ResponseFrame request(Opcode op, int vbucket, byte[] extras, byte[] key, byte[] value) {
    return request(op, vbucket, extras, key, value, 0);
  }

  public ResponseFrame request(
      Opcode op, int vbucket, byte[] extras, byte[] key, byte[] value, long cas) {
    return request(op.code(), Datatype.RAW, vbucket, extras, key, value, cas);
  }

  /** Any request, with a raw opcode byte and datatype; returns its (single) response. */
  public ResponseFrame request(
      int opcode, int datatype, int vbucket, byte[] extras, byte[] key, byte[] value, long cas) {
    ByteBuf frame = Unpooled.buffer();
    RequestWriter.write(frame, opcode, datatype, vbucket, nextOpaque(), cas, extras, key, value);
    return execute(frame);
  }

  /**
   * A request with flexible framing (magic 0x08): {@code framingExtras} are frame infos, the key is
   * at most 255 bytes.
   */
  public ResponseFrame flexibleRequest(
      Opcode op, byte[] framingExtras, byte[] extras, String key, byte[] value, long cas) {
    byte[] k = bytes(key);
    ByteBuf frame = Unpooled.buffer();
    frame.writeByte(Magic.ALT_CLIENT_REQUEST.code());
    frame.writeByte(op.code());
    frame.writeByte(framingExtras.length);
    frame.writeByte(k.length);
    frame.writeByte(extras.length);
    frame.writeByte(Datatype.RAW);
    frame.writeShort(vbucketOf(key));
    frame.writeInt(framingExtras.length + extras.length + k.length + value.length);
    frame.writeInt(nextOpaque());
    frame.writeLong(cas);
    frame.writeBytes(framingExtras).writeBytes(extras).writeBytes(k).writeBytes(value);
    return execute(frame);
  }

  // ---- raw I/O ----

  /** Sends a frame and reads the next response, which must carry the frame's opaque. */
  public ResponseFrame execute(ByteBuf frame) {
    int opaque = frame.getInt(frame.readerIndex() + 12);
    send(frame);
    ResponseFrame response = readResponse();
    if (response.opaque() != opaque) {
      throw new AssertionError("expected the response to opaque " + opaque + ", got " + response);
    }
    return response;
  }

  /** Writes the buffer's readable bytes and releases it. */
  public void send(ByteBuf frame) {
    try {
      send(ByteBufUtil.getBytes(frame));
    } finally {
      frame.release();
    }
  }

  public void send(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("send failed", e);
    }
  }

  /**
   * Reads the next response.
   *
   * @throws AssertionError if the server closes the connection or sends nothing within {@link
   *     #READ_TIMEOUT}
   */
  public ResponseFrame readResponse() {
    while (true) {
      ResponseFrame frame = ResponseFrame.parse(inbound);
      if (frame != null) {
        inbound.discardReadBytes();
        return frame;
      }
      int n;
      try {
        n = in.read(readChunk);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no response within " + READ_TIMEOUT, e);
      } catch (IOException e) {
        throw new AssertionError("connection failed while waiting for a response", e);
      }
      if (n < 0) {
        throw new AssertionError("the server closed the connection instead of answering");
      }
      inbound.writeBytes(readChunk, 0, n);
    }
  }

  /** Whether a complete response is already buffered or arrives within {@code wait}. */
  public boolean responseArrives(Duration wait) {
    try {
      socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
      while (ResponseFrame.readableFrameLength(inbound, Integer.MAX_VALUE) < 0) {
        int n = in.read(readChunk);
        if (n < 0) {
          return false;
        }
        inbound.writeBytes(readChunk, 0, n);
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      restoreTimeout();
    }
  }

  /**
   * Waits until the server closes the connection (end of stream or reset), discarding anything it
   * still sends.
   *
   * @return true if it closed within {@code timeout}
   */
  public boolean awaitClosed(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
        if (leftMillis <= 0) {
          return false;
        }
        socket.setSoTimeout((int) leftMillis);
        try {
          if (in.read(readChunk) < 0) {
            return true;
          }
        } catch (SocketTimeoutException e) {
          return false;
        } catch (SocketException reset) {
          return true;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      restoreTimeout();
    }
  }

  private void restoreTimeout() {
    try {
      if (!socket.isClosed()) {
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      }
    } catch (SocketException ignored) {
      // the socket is gone: nothing left to read with this timeout
    }
  }

  @Override
  public void close() {
    closeQuietly(socket);
    inbound.release();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a test socket cannot fail in a way a test cares about
    }
  }

  // ---- encodings ----

  public static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  public static byte[] int32(int v) {
    return ByteBuffer.allocate(4).putInt(v).array();
  }

  public static byte[] storeExtras(int flags, int expiry) {
    return ByteBuffer.allocate(8).putInt(flags).putInt(expiry).array();
  }

  public static byte[] arithmeticExtras(long delta, long initial, int expiry) {
    return ByteBuffer.allocate(20).putLong(delta).putLong(initial).putInt(expiry).array();
  }

  /** Raw Snappy (as the SNAPPY datatype means it): a length preamble, then the compressed data. */
  public static byte[] snappy(byte[] raw) {
    ByteBuf in = Unpooled.wrappedBuffer(raw);
    ByteBuf out = Unpooled.buffer();
    try {
      new Snappy().encode(in, out, raw.length);
      return ByteBufUtil.getBytes(out);
    } finally {
      in.release();
      out.release();
    }
  }

  /** The u64 a counter operation answers with. */
  public static long counterValue(ResponseFrame response) {
    return ByteBuffer.wrap(response.value()).getLong();
  }

  /** The flags extras of a document read. */
  public static int flagsOf(ResponseFrame response) {
    return ByteBuffer.wrap(response.extras()).getInt();
  }

  private static void expectSuccess(ResponseFrame response, String what) {
    if (!response.isSuccess()) {
      throw new AssertionError(what + " failed: " + response + " " + text(response.value()));
    }
  }
}
