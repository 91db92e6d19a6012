package org.settee.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what java.net.http hides: pipelining, malformed requests,
 * chunked streams read chunk by chunk. Every read waits at most {@link #READ_TIMEOUT_MS}, so a test
 * expecting bytes that never come fails instead of hanging.
 */
final class RawHttp implements AutoCloseable {
  static final int READ_TIMEOUT_MS = 10_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  /** A response head: status and headers (names lower-cased). */
  record Head(int status, Map<String, String> headers) {
    boolean chunked() {
      return "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
    }
  }

  /** A whole response. */
  record Response(Head head, String body) {
    int status() {
      return head.status();
    }
  }

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  static RawHttp connect(int port) {
    Socket s = new Socket();
    try {
      s.setSoTimeout(READ_TIMEOUT_MS);
      s.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
      return new RawHttp(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A GET with Basic auth, as text ready to send. */
  static String get(String path, String authorization) {
    return "GET "
        + path
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
        + "\r\n";
  }

  void send(String text) {
    send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  void send(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Head readHead() {
    String status = readLine();
    if (status == null) {
      throw new AssertionError("connection closed before a response");
    }
    String[] parts = status.split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).strip());
    }
    return new Head(Integer.parseInt(parts[1]), headers);
  }

  /** A whole response with a Content-Length body. */
  Response readResponse() {
    Head head = readHead();
    int length = Integer.parseInt(head.headers().getOrDefault("content-length", "0"));
    return new Response(head, new String(readExactly(length), StandardCharsets.UTF_8));
  }

  /** The next chunk of a chunked body, or null at its end. */
  String readChunk() {
    String size = readLine();
    if (size == null) {
      throw new AssertionError("connection closed inside a chunked body");
    }
    int n = Integer.parseInt(size.strip(), 16);
    if (n == 0) {
      readLine(); // the empty line after the last chunk
      return null;
    }
    byte[] data = readExactly(n);
    readLine();
    return new String(data, StandardCharsets.UTF_8);
  }

  /** Whether the server closed the connection (end of stream) within the read timeout. */
  boolean closedByServer() {
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  private byte[] readExactly(int n) {
    byte[] b = new byte[n];
    int off = 0;
    try {
      while (off < n) {
        int r = in.read(b, off, n - off);
        if (r < 0) {
          throw new AssertionError("connection closed after " + off + " of " + n + " bytes");
        }
        off += r;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b;
  }

  private String readLine() {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      while (true) {
        int c = in.read();
        if (c < 0) {
          return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
        }
        if (c == '\n') {
          String s = line.toString(StandardCharsets.ISO_8859_1);
          return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }
        line.write(c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing a test socket
    }
  }
}
