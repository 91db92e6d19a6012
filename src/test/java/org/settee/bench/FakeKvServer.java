package org.settee.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.settee.protocol.FrameParser;
import org.settee.protocol.HeaderLayout;
import org.settee.protocol.Request;

/**
 * A tiny blocking KV server on 127.0.0.1 for bench tests: one thread per connection, each request
 * decoded with Settee's own {@link FrameParser} and handed to a {@link Behaviour} that writes
 * whatever the test wants back (answers, garbage, nothing) or closes the connection.
 */
final class FakeKvServer implements AutoCloseable {
  /** What the server does with one request. */
  interface Behaviour {
    /**
     * Writes the answer (if any) into {@code out}.
     *
     * @return false to close the connection after writing {@code out}
     */
    boolean handle(Request request, ByteBuf out);
  }

  private final ServerSocket server;
  private final Behaviour behaviour;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  FakeKvServer(Behaviour behaviour) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.behaviour = behaviour;
    this.acceptor = Thread.ofPlatform().daemon().name("fake-kv-accept").start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** A request as received, copied out of its frame. */
  record Seen(int opcode, int vbucket, byte[] key, byte[] value) {}

  /** Every request received so far, over all connections. */
  List<Seen> seen() {
    return seen;
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        sockets.add(socket);
        Thread.ofPlatform().daemon().name("fake-kv-conn").start(() -> serve(socket));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      byte[] header = new byte[HeaderLayout.HEADER_LENGTH];
      while (true) {
        in.readFully(header);
        int body = ByteBuffer.wrap(header).getInt(HeaderLayout.TOTAL_BODY_LENGTH);
        byte[] frame = new byte[header.length + body];
        System.arraycopy(header, 0, frame, 0, header.length);
        in.readFully(frame, header.length, body);
        Request request = FrameParser.parse(Unpooled.wrappedBuffer(frame), frame.length);
        ByteBuf answer = Unpooled.buffer();
        boolean keepOpen;
        try {
          seen.add(
              new Seen(
                  request.opcodeByte(), request.vbucket(), request.key(), request.valueBytes()));
          keepOpen = behaviour.handle(request, answer);
        } finally {
          request.release();
        }
        writeAll(answer, out);
        if (!keepOpen) {
          out.flush();
          return;
        }
        // Flushed once nothing more is waiting, as a real server batches a pipeline's answers.
        if (in.available() == 0) {
          out.flush();
        }
      }
    } catch (IOException e) {
      // The client went away or the test closed the server: nothing to report.
    }
  }

  private static void writeAll(ByteBuf answer, OutputStream out) throws IOException {
    if (answer.isReadable()) {
      byte[] bytes = new byte[answer.readableBytes()];
      answer.readBytes(bytes);
      out.write(bytes);
    }
    answer.release();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
    try {
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
