package org.settee.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * One streaming response on one connection: the chunked header, then the current document followed
 * by {@code "\n\n\n\n"}, then again whenever the configuration changes and the document differs
 * from the last one sent. Owned by the connection's event loop; configuration changes only schedule
 * a refresh there.
 *
 * <p>A client that does not read is not buffered for: while the channel is not writable nothing is
 * written, and once it drains only the latest document is sent (older ones are obsolete). When the
 * subject disappears (bucket deleted) the response ends and the connection closes, as ns_server's
 * does.
 */
final class ConfigStreamWriter {
  /** What separates documents in ns_server's streams (libcouchbase splits on it). */
  static final byte[] SEPARATOR = "\n\n\n\n".getBytes(StandardCharsets.US_ASCII);

  private final ChannelHandlerContext ctx;
  private final StreamSource source;
  private final ConfigStreams streams;
  private Runnable unsubscribe;
  private byte[] lastSent;
  private boolean ended;

  ConfigStreamWriter(ChannelHandlerContext ctx, StreamSource source, ConfigStreams streams) {
    this.ctx = ctx;
    this.source = source;
    this.streams = streams;
  }

  /** Sends the header and the first document; subscribes first so no change is missed. */
  void start(Map<String, String> headers, String contentType) {
    unsubscribe = streams.subscribe(this::scheduleRefresh);
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    RestChannelHandler.commonHeaders(head.headers(), contentType);
    headers.forEach(head.headers()::set);
    HttpUtil.setTransferEncodingChunked(head, true);
    ctx.write(head);
    refresh();
  }

  private void scheduleRefresh() {
    try {
      ctx.executor().execute(this::refresh);
    } catch (RejectedExecutionException e) {
      // the event loop is stopping: the connection is going away with it
    }
  }

  /** Sends the current document if it changed and the client keeps up. */
  void refresh() {
    if (ended || !ctx.channel().isActive()) {
      return;
    }
    byte[] doc = source.current();
    if (doc == null) {
      end();
      return;
    }
    if (Arrays.equals(doc, lastSent)) {
      return;
    }
    if (!ctx.channel().isWritable()) {
      ctx.flush(); // writability returns once this drains; refresh() runs again then
      return;
    }
    ByteBuf chunk = Unpooled.wrappedBuffer(doc, SEPARATOR);
    lastSent = doc;
    ctx.writeAndFlush(new DefaultHttpContent(chunk));
  }

  private void end() {
    ended = true;
    close();
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
  }

  /** Leaves the subscribers (idempotent): the connection closed or the stream ended. */
  void close() {
    if (unsubscribe != null) {
      unsubscribe.run();
    }
  }
}
