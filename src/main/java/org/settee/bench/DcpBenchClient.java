package org.settee.bench;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.settee.protocol.Magic;
import org.settee.protocol.Opcode;

/**
 * A minimal, blocking DCP consumer for {@code settee bench-dcp}: authenticates, opens a producer
 * with flow control, requests one stream per vBucket and counts what arrives into a {@link
 * StreamTally}. It parses frames in place from one buffered socket and allocates nothing per
 * message, so that the figures are the server's rather than the client's.
 *
 * <pre>
 *   header (24 bytes): magic u8 | opcode u8 | key length u16 | extras length u8 | datatype u8 |
 *                      vBucket (request) or status (response) u16 | body length u32 |
 *                      opaque u32 | CAS u64
 * </pre>
 *
 * Not thread-safe: one thread sends and reads.
 */
final class DcpBenchClient implements AutoCloseable {
  private static final int HEADER = 24;
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  /** Stream request opaques start here; the vBucket is added, so a response names its stream. */
  private static final int STREAM_OPAQUE_BASE = 0x10000;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final byte[] header = new byte[HEADER];
  private final ByteBuffer headerView = ByteBuffer.wrap(header);
  private byte[] body = new byte[64 * 1024];
  private final ByteBuffer ack = ByteBuffer.allocate(HEADER + 4);
  private long bufferSize;
  private long unacked;
  private int nextOpaque = 1;

  private DcpBenchClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 20));
    this.out = socket.getOutputStream();
  }

  /** Connects to {@code host:port}, authenticates with PLAIN and selects the bucket. */
  static DcpBenchClient connect(
      String host, int port, String user, String password, String bucket) {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setReceiveBufferSize(4 << 20);
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      socket.connect(new InetSocketAddress(host, port), (int) READ_TIMEOUT.toMillis());
      DcpBenchClient c = new DcpBenchClient(socket);
      byte[] plain = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
      c.call(Opcode.SASL_AUTH, 0, new byte[0], ascii("PLAIN"), plain, "SASL PLAIN as " + user);
      c.call(Opcode.SELECT_BUCKET, 0, new byte[0], ascii(bucket), new byte[0], "SELECT_BUCKET");
      return c;
    } catch (IOException e) {
      closeQuietly(socket);
      throw new BenchFailure("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  /**
   * DCP_OPEN as a producer, then flow control: the server sends at most {@code bufferSize} bytes
   * the client has not acknowledged.
   */
  void openProducer(String name, long bufferSize) {
    byte[] extras = ByteBuffer.allocate(8).putInt(0).putInt(0x01).array();
    call(Opcode.DCP_OPEN, 0, extras, ascii(name), new byte[0], "DCP_OPEN " + name);
    call(
        Opcode.DCP_CONTROL,
        0,
        new byte[0],
        ascii("connection_buffer_size"),
        ascii(Long.toString(bufferSize)),
        "DCP_CONTROL connection_buffer_size");
    this.bufferSize = bufferSize;
  }

  /** GET_ALL_VB_SEQNOS for active vBuckets: the high seqno of each, indexed by vBucket. */
  long[] highSeqnos(int vbuckets) {
    byte[] extras = ByteBuffer.allocate(4).putInt(1).array();
    byte[] answer =
        call(Opcode.GET_ALL_VB_SEQNOS, 0, extras, new byte[0], new byte[0], "GET_ALL_VB_SEQNOS");
    long[] high = new long[vbuckets];
    ByteBuffer b = ByteBuffer.wrap(answer);
    while (b.remaining() >= 10) {
      int vb = b.getShort() & 0xffff;
      long seqno = b.getLong();
      if (vb < vbuckets) {
        high[vb] = seqno;
      }
    }
    return high;
  }

  /**
   * Requests a stream from seqno 0 to {@code endSeqno[vb]} for every vBucket, then reads until all
   * are accepted. Stream messages that arrive meanwhile go to the tally.
   */
  void requestStreams(long[] endSeqno, StreamTally tally) {
    ByteBuffer frames = ByteBuffer.allocate(endSeqno.length * (HEADER + 48));
    for (int vb = 0; vb < endSeqno.length; vb++) {
      ByteBuffer extras = ByteBuffer.allocate(48);
      // flags 0 | reserved 0 | start 0 | end | vBucket UUID 0 | snapshot [0, 0]
      extras.putInt(0).putInt(0).putLong(0).putLong(endSeqno[vb]).putLong(0);
      extras.putLong(0).putLong(0);
      frame(frames, Opcode.DCP_STREAM_REQ, vb, STREAM_OPAQUE_BASE + vb, extras.array(), 0, 0);
    }
    write(frames.array());
    int accepted = 0;
    while (accepted < endSeqno.length) {
      if (readFrame(tally)) {
        int status = headerView.getShort(6) & 0xffff;
        int vb = headerView.getInt(12) - STREAM_OPAQUE_BASE;
        if (status != 0) {
          throw new BenchFailure(
              "STREAM_REQ for vBucket " + vb + " refused with status 0x" + hex(status));
        }
        accepted++;
      }
    }
  }

  /** Reads stream messages into the tally until every stream has ended. */
  void drain(StreamTally tally) {
    while (!tally.allEnded()) {
      if (readFrame(tally)) {
        throw new BenchFailure(
            "unexpected response to opcode 0x" + hex(header[1] & 0xff) + " while streaming");
      }
    }
  }

  /**
   * Reads one frame: a server request (stream message, noop) goes to the tally or is answered; a
   * response is left in {@link #header} and {@link #body}.
   *
   * @return true for a response
   */
  private boolean readFrame(StreamTally tally) {
    readHeaderAndBody();
    int magic = header[0] & 0xff;
    int opcode = header[1] & 0xff;
    int bodyLength = headerView.getInt(8);
    if (magic == Magic.CLIENT_RESPONSE.code()) {
      return true;
    }
    if (magic != Magic.CLIENT_REQUEST.code()) {
      throw new BenchFailure("unexpected magic 0x" + hex(magic) + " from the server");
    }
    int frameSize = HEADER + bodyLength;
    int vb = headerView.getShort(6) & 0xffff;
    int extras = header[4] & 0xff;
    int keyLength = headerView.getShort(2) & 0xffff;
    ByteBuffer b = ByteBuffer.wrap(body);
    if (opcode == Opcode.DCP_MUTATION.code()) {
      tally.mutation(vb, b.getLong(0), keyLength, bodyLength - extras - keyLength, frameSize);
    } else if (opcode == Opcode.DCP_SNAPSHOT_MARKER.code()) {
      tally.marker(vb, b.getLong(0), b.getLong(8), b.getInt(16), frameSize);
    } else if (opcode == Opcode.DCP_STREAM_END.code()) {
      tally.streamEnd(vb, b.getInt(0), frameSize);
    } else if (opcode == Opcode.DCP_NOOP.code()) {
      respondToNoop(headerView.getInt(12));
      return false;
    } else {
      tally.unexpected(vb, opcode);
    }
    acknowledge(frameSize);
    return false;
  }

  private void readHeaderAndBody() {
    try {
      in.readFully(header);
      int bodyLength = headerView.getInt(8);
      if (bodyLength < 0 || bodyLength > 64 << 20) {
        throw new BenchFailure("frame body of " + bodyLength + " bytes from the server");
      }
      if (bodyLength > body.length) {
        body = new byte[Math.max(bodyLength, body.length * 2)];
      }
      in.readFully(body, 0, bodyLength);
    } catch (SocketTimeoutException e) {
      throw new BenchFailure(
          "nothing from the server within " + READ_TIMEOUT.toSeconds() + " s", e);
    } catch (EOFException e) {
      throw new BenchFailure("the server closed the DCP connection", e);
    } catch (IOException e) {
      throw new BenchFailure("reading from the server failed: " + e.getMessage(), e);
    }
  }

  /**
   * Acknowledges consumed bytes every fifth of the buffer, so the producer never waits on flow
   * control while the client keeps up.
   */
  private void acknowledge(int frameSize) {
    unacked += frameSize;
    if (bufferSize > 0 && unacked >= bufferSize / 5) {
      ack.clear();
      frame(ack, Opcode.DCP_BUFFER_ACKNOWLEDGEMENT, 0, 0, intBytes((int) unacked), 0, 0);
      write(ack.array());
      unacked = 0;
    }
  }

  private void respondToNoop(int opaque) {
    ByteBuffer r = ByteBuffer.allocate(HEADER);
    r.put((byte) Magic.CLIENT_RESPONSE.code()).put((byte) Opcode.DCP_NOOP.code());
    r.putShort((short) 0).put((byte) 0).put((byte) 0).putShort((short) 0);
    r.putInt(0).putInt(opaque).putLong(0);
    write(r.array());
  }

  /** Sends a request and reads its response, which must be a success and the next frame. */
  private byte[] call(Opcode opcode, int vb, byte[] extras, byte[] key, byte[] value, String what) {
    int opaque = nextOpaque++;
    ByteBuffer f = ByteBuffer.allocate(HEADER + extras.length + key.length + value.length);
    frame(f, opcode, vb, opaque, extras, key.length, value.length);
    f.put(key).put(value);
    write(f.array());
    readHeaderAndBody();
    int bodyLength = headerView.getInt(8);
    int status = headerView.getShort(6) & 0xffff;
    if ((header[0] & 0xff) != Magic.CLIENT_RESPONSE.code() || headerView.getInt(12) != opaque) {
      throw new BenchFailure(what + ": unexpected frame opcode 0x" + hex(header[1] & 0xff));
    }
    if (status != 0) {
      throw new BenchFailure(
          what
              + " failed with status 0x"
              + hex(status)
              + ": "
              + new String(body, 0, bodyLength, StandardCharsets.UTF_8));
    }
    int skip = (header[4] & 0xff) + (headerView.getShort(2) & 0xffff);
    byte[] answer = new byte[bodyLength - skip];
    System.arraycopy(body, skip, answer, 0, answer.length);
    return answer;
  }

  /** Writes a request header and its extras; the key and value (if any) follow. */
  private static void frame(
      ByteBuffer f,
      Opcode opcode,
      int vb,
      int opaque,
      byte[] extras,
      int keyLength,
      int valueLength) {
    f.put((byte) Magic.CLIENT_REQUEST.code()).put((byte) opcode.code());
    f.putShort((short) keyLength).put((byte) extras.length).put((byte) 0).putShort((short) vb);
    f.putInt(extras.length + keyLength + valueLength).putInt(opaque).putLong(0);
    f.put(extras);
  }

  private void write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new BenchFailure("sending to the server failed: " + e.getMessage(), e);
    }
  }

  private static byte[] intBytes(int v) {
    return ByteBuffer.allocate(4).putInt(v).array();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String hex(int v) {
    return Integer.toHexString(v);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // the connection failed already; that error is the one reported
    }
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }
}
