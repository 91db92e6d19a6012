package org.settee.bench;

import io.netty.channel.Channel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Path;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The bench's side of TLS: one client context for every connection, OpenSSL (BoringSSL) when it
 * loads, as the server prefers it too, so a TLS-vs-plain comparison measures TLS and not the JDK's
 * engine against a native one.
 *
 * @param trustedCa the CA (PEM) the server's certificate must chain to, its host name checked too;
 *     null trusts any certificate (a benchmark against a node you started yourself, never for
 *     anything else)
 */
public record BenchTls(Path trustedCa) {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  /** Whether the server's certificate is checked at all. */
  public boolean verifies() {
    return trustedCa != null;
  }

  /** The engine the bench's connections use. */
  static SslProvider provider() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  /**
   * The context for this run.
   *
   * @throws BenchFailure when the CA file cannot be read
   */
  SslContext context() {
    SslContextBuilder b =
        SslContextBuilder.forClient().sslProvider(provider()).protocols(PROTOCOLS);
    try {
      if (trustedCa == null) {
        b.trustManager(InsecureTrustManagerFactory.INSTANCE);
      } else {
        b.trustManager(trustedCa.toFile());
      }
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new BenchFailure("cannot use --tls-ca " + trustedCa + ": " + e.getMessage(), e);
    }
  }

  /** A handler for a new connection to {@code host}, checking the name when verifying. */
  SslHandler newHandler(SslContext context, Channel channel, String host, int port) {
    SslHandler handler = context.newHandler(channel.alloc(), host, port);
    if (verifies()) {
      SSLEngine engine = handler.engine();
      SSLParameters params = engine.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      engine.setSSLParameters(params);
    }
    return handler;
  }
}
