package org.settee.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.settee.protocol.FrameParser;
import org.settee.protocol.Request;

/**
 * Cuts the connection's byte stream into requests. Before authentication frames are capped small
 * (as kv_engine does), so an anonymous peer cannot make the server buffer megabytes.
 */
final class KvFrameDecoder extends ByteToMessageDecoder {
  /** kv_engine's cap for frames of unauthenticated connections. */
  static final int UNAUTHENTICATED_MAX_BODY = 16 * 1024;

  private final Connection connection;
  private final int maxBody;

  KvFrameDecoder(Connection connection, int maxBody) {
    this.connection = connection;
    this.maxBody = maxBody;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (connection.isSuspended()) {
      // The request in flight may change the limit (SASL): the next frame is cut after it, when
      // the connection resumes and decodes what is left.
      return;
    }
    int limit =
        connection.state().isAuthenticated() || connection.isAnonymous()
            ? maxBody
            : UNAUTHENTICATED_MAX_BODY;
    // One frame per call: the frame's handler may change the limit (SASL) for the next one.
    Request request = FrameParser.parse(in, limit);
    if (request != null) {
      out.add(request);
    }
  }
}
