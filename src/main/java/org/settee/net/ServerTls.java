package org.settee.net;

import io.netty.channel.Channel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.AttributeKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.settee.security.CertificateException;
import org.settee.security.ClientCertAuth;
import org.settee.security.TlsMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of TLS for every listener of the node: the current certificate and the context
 * built from it, swapped atomically on rotation.
 *
 * <p>Rotation never strands a connection (seed 000): each new channel reads the current context
 * once, in its initializer, and keeps its engine for life. A handshake in progress completes with
 * the certificate it started with or is closed by its deadline; established connections are left
 * alone; there is no listener to restart.
 */
public final class ServerTls {
  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final SslProvider provider;
  private final Duration handshakeTimeout;
  private final AtomicReference<Installed> current = new AtomicReference<>();

  /**
   * The client-certificate settings each channel is accepted with, stamped on it by {@link
   * #newHandler}: the handshake asks for a certificate by them, and the protocol handler maps the
   * certificate by the same ones, whatever changes meanwhile.
   */
  public static final AttributeKey<ClientCertAuth> CLIENT_CERT_AUTH =
      AttributeKey.valueOf("settee.clientCertAuth");

  private volatile ClientCertAuth clientCertAuth = ClientCertAuth.DISABLED;

  /** A certificate and the context that presents it, replaced together. */
  private record Installed(TlsMaterial material, SslContext context) {}

  public ServerTls(TlsEngine engine, Duration handshakeTimeout, TlsMaterial material) {
    this.provider = provider(engine);
    this.handshakeTimeout = handshakeTimeout;
    current.set(new Installed(material, build(material)));
    LOG.info(
        "TLS: {} engine, certificate {} (expires {})",
        provider,
        material.leaf().getSubjectX500Principal(),
        material.leaf().getNotAfter().toInstant());
  }

  private static SslProvider provider(TlsEngine engine) {
    return switch (engine) {
      case JDK -> SslProvider.JDK;
      case OPENSSL -> {
        if (!OpenSsl.isAvailable()) {
          throw new IllegalStateException(
              "the OpenSSL TLS engine is not available: " + OpenSsl.unavailabilityCause());
        }
        yield SslProvider.OPENSSL;
      }
      case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    };
  }

  /**
   * Presents {@code material} to every connection accepted from now on; connections already
   * accepted keep theirs. When the context cannot be built, the old one stays.
   *
   * @throws CertificateException when the engine refuses the certificate or key
   */
  public void rotate(TlsMaterial material) {
    SslContext next = build(material);
    current.set(new Installed(material, next));
    LOG.info(
        "TLS: node certificate rotated to {} (expires {}); new connections use it",
        material.leaf().getSubjectX500Principal(),
        material.leaf().getNotAfter().toInstant());
  }

  /** The certificate presented to new connections. */
  public TlsMaterial material() {
    return current.get().material();
  }

  /** The engine in use. */
  public SslProvider provider() {
    return provider;
  }

  /**
   * Asks new connections for a client certificate (or requires one) as {@code settings} say;
   * connections already accepted keep what they were accepted with.
   */
  public void clientCertAuth(ClientCertAuth settings) {
    clientCertAuth = settings;
  }

  /** The client-certificate settings new connections are accepted with. */
  public ClientCertAuth clientCertAuth() {
    return clientCertAuth;
  }

  /** A handler for a new server channel, with the current certificate and the deadline. */
  SslHandler newHandler(Channel channel) {
    SslHandler handler = current.get().context().newHandler(channel.alloc());
    handler.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
    // Per engine rather than per context: both engines honour it before the handshake starts, and
    // a settings change then needs no new context (nor a race with a certificate rotation).
    ClientCertAuth settings = clientCertAuth;
    SSLEngine engine = handler.engine();
    switch (settings.state()) {
      case DISABLE -> {}
      case ENABLE -> engine.setWantClientAuth(true);
      case MANDATORY -> engine.setNeedClientAuth(true);
    }
    channel.attr(CLIENT_CERT_AUTH).set(settings);
    return handler;
  }

  private SslContext build(TlsMaterial material) {
    try {
      return SslContextBuilder.forServer(
              material.key(), material.chain().toArray(X509Certificate[]::new))
          .sslProvider(provider)
          .protocols(PROTOCOLS)
          // Client certificates (when asked for, see newHandler) must come from the cluster's CA.
          .trustManager(material.ca())
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new CertificateException(
          "the TLS engine refused the certificate: " + e.getMessage(), e);
    }
  }
}
