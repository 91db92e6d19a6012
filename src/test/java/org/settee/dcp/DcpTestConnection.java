package org.settee.dcp;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
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

/**
 * A raw, blocking DCP connection for protocol tests. Unlike {@code KvTestClient}, which reads only
 * responses, it reads every frame a DCP producer sends: responses (magic 0x81) and the server's own
 * requests (magic 0x80: snapshot markers, mutations, stream ends, DCP noops). Opcodes are plain
 * numbers from the spec (dcp.md §2) so that these tests do not lean on the server's own tables. Not
 * thread-safe; every read has a deadline, so a missing answer fails instead of hanging.
 */
final class DcpTestConnection implements AutoCloseable {
  static final int SASL_AUTH = 0x21;
  static final int NOOP = 0x0a;
  static final int SELECT_BUCKET = 0x89;
  static final int GET_ALL_VB_SEQNOS = 0x48;
  static final int DCP_OPEN = 0x50;
  static final int DCP_CLOSE_STREAM = 0x52;
  static final int DCP_STREAM_REQ = 0x53;
  static final int DCP_GET_FAILOVER_LOG = 0x54;
  static final int DCP_STREAM_END = 0x55;
  static final int DCP_SNAPSHOT_MARKER = 0x56;
  static final int DCP_MUTATION = 0x57;
  static final int DCP_DELETION = 0x58;
  static final int DCP_EXPIRATION = 0x59;
  static final int DCP_NOOP = 0x5c;
  static final int DCP_BUFFER_ACK = 0x5d;
  static final int DCP_CONTROL = 0x5e;

  static final int FLAG_PRODUCER = 0x01;
  static final int FLAG_INCLUDE_DELETE_TIMES = 0x20;
  static final long NO_END = 0xffffffffffffffffL;

  static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  private static final byte[] NONE = new byte[0];

  /** One frame as it came off the wire. {@code vbucketOrStatus} is bytes 6-7 of the header. */
  record Frame(
      int magic,
      int opcode,
      int datatype,
      int vbucketOrStatus,
      int opaque,
      long cas,
      byte[] extras,
      byte[] key,
      byte[] value) {
    boolean isRequest() {
      return magic == 0x80;
    }

    boolean isResponse() {
      return magic == 0x81;
    }

    int status() {
      return vbucketOrStatus;
    }

    int vbucket() {
      return vbucketOrStatus;
    }

    /** The u64 at an offset of the extras (seqnos of markers, mutations, deletions). */
    long extrasLong(int offset) {
      return ByteBuffer.wrap(extras).getLong(offset);
    }

    String keyText() {
      return new String(key, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return String.format(
          "Frame[magic=0x%02x opcode=0x%02x %s=0x%04x opaque=%d extras=%d key=%s value=%d bytes]",
          magic,
          opcode,
          isResponse() ? "status" : "vb",
          vbucketOrStatus,
          opaque,
          extras.length,
          keyText(),
          value.length);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private int nextOpaque = 1;

  private DcpTestConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1, authenticates with PLAIN and selects the bucket (both must succeed). */
  static DcpTestConnection open(int port, String user, String password, String bucket) {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) READ_TIMEOUT.toMillis());
      DcpTestConnection c = new DcpTestConnection(socket);
      byte[] plain = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
      c.expectSuccess(c.call(SASL_AUTH, 0, NONE, bytes("PLAIN"), plain), "SASL PLAIN as " + user);
      c.expectSuccess(c.call(SELECT_BUCKET, 0, NONE, bytes(bucket), NONE), "SELECT_BUCKET");
      return c;
    } catch (IOException e) {
      closeQuietly(socket);
      throw new UncheckedIOException("cannot connect to port " + port, e);
    } catch (RuntimeException | AssertionError refused) {
      closeQuietly(socket); // a refused login or bucket must not leave the socket open
      throw refused;
    }
  }

  /** DCP_OPEN with the given flags (0x01 = producer); returns its response. */
  Frame dcpOpen(String name, int flags) {
    byte[] extras = ByteBuffer.allocate(8).putInt(0).putInt(flags).array();
    return call(DCP_OPEN, 0, extras, bytes(name), NONE);
  }

  /** Opens a producer and fails the test unless the server accepts it. */
  DcpTestConnection openProducer(String name) {
    expectSuccess(dcpOpen(name, FLAG_PRODUCER), "DCP_OPEN producer");
    return this;
  }

  Frame control(String key, String value) {
    return call(DCP_CONTROL, 0, NONE, bytes(key), bytes(value));
  }

  /** Sends a STREAM_REQ (48-byte extras, dcp.md §4.1) and returns its opaque; does not read. */
  int sendStreamRequest(
      int vbucket, int flags, long start, long end, long vbUuid, long snapStart, long snapEnd) {
    ByteBuffer extras = ByteBuffer.allocate(48);
    extras.putInt(flags).putInt(0).putLong(start).putLong(end).putLong(vbUuid);
    extras.putLong(snapStart).putLong(snapEnd);
    return send(DCP_STREAM_REQ, vbucket, extras.array(), NONE, NONE);
  }

  /** Sends any request; returns its opaque. */
  int send(int opcode, int vbucket, byte[] extras, byte[] key, byte[] value) {
    int opaque = nextOpaque++;
    ByteBuffer frame = ByteBuffer.allocate(24 + extras.length + key.length + value.length);
    frame.put((byte) 0x80).put((byte) opcode).putShort((short) key.length);
    frame.put((byte) extras.length).put((byte) 0).putShort((short) vbucket);
    frame.putInt(extras.length + key.length + value.length).putInt(opaque).putLong(0);
    frame.put(extras).put(key).put(value);
    write(frame.array());
    return opaque;
  }

  /**
   * Answers a server request (a DCP noop) with a success response of the same opcode and opaque.
   */
  void respond(Frame request) {
    ByteBuffer frame = ByteBuffer.allocate(24);
    frame.put((byte) 0x81).put((byte) request.opcode()).putShort((short) 0);
    frame.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(0).putInt(request.opaque());
    frame.putLong(0);
    write(frame.array());
  }

  /** Sends a request and reads up to its response, which must be the next response to arrive. */
  Frame call(int opcode, int vbucket, byte[] extras, byte[] key, byte[] value) {
    return awaitResponse(send(opcode, vbucket, extras, key, value), new ArrayList<>());
  }

  /**
   * Reads until the response with {@code opaque}; server requests that arrive first (stream data)
   * are added to {@code skipped}. Another response first is a failure: the server must answer in
   * order.
   */
  Frame awaitResponse(int opaque, List<Frame> skipped) {
    while (true) {
      Frame f = read(READ_TIMEOUT);
      if (f.isResponse()) {
        if (f.opaque() != opaque) {
          throw new AssertionError("expected the response to opaque " + opaque + ", got " + f);
        }
        return f;
      }
      skipped.add(f);
    }
  }

  /**
   * The next frame, whatever it is.
   *
   * @throws AssertionError if nothing arrives within {@code timeout} or the server closes
   */
  Frame read(Duration timeout) {
    try {
      socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
      byte[] header = new byte[24];
      in.readFully(header);
      ByteBuffer h = ByteBuffer.wrap(header);
      int keyLength = h.getShort(2) & 0xffff;
      int extrasLength = h.get(4) & 0xff;
      int bodyLength = h.getInt(8);
      byte[] extras = new byte[extrasLength];
      byte[] key = new byte[keyLength];
      byte[] value = new byte[bodyLength - extrasLength - keyLength];
      in.readFully(extras);
      in.readFully(key);
      in.readFully(value);
      return new Frame(
          h.get(0) & 0xff,
          h.get(1) & 0xff,
          h.get(5) & 0xff,
          h.getShort(6) & 0xffff,
          h.getInt(12),
          h.getLong(16),
          extras,
          key,
          value);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("nothing from the server within " + timeout, e);
    } catch (EOFException e) {
      throw new AssertionError("the server closed the connection", e);
    } catch (IOException e) {
      throw new AssertionError("connection failed while reading", e);
    }
  }

  /**
   * Reads (and drops) whatever arrives until the server closes the connection.
   *
   * @return true if it closed within {@code timeout}, false if it was still open then
   */
  boolean awaitClosed(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] chunk = new byte[16 * 1024];
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return false;
        }
        socket.setSoTimeout((int) left);
        try {
          if (in.read(chunk) < 0) {
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
    }
  }

  private void write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("send failed", e);
    }
  }

  void expectSuccess(Frame response, String what) {
    if (response.status() != 0) {
      throw new AssertionError(
          what
              + " failed: "
              + response
              + " "
              + new String(response.value(), StandardCharsets.UTF_8));
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing a test can do about a failing close of its own socket
    }
  }
}
