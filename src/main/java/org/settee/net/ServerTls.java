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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.settee.security.CertificateException;
import org.settee.security.ClientCertAuth;
import org.settee.security.TlsMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of TLS for every listener of the node: the current certificate, the CAs client
 * certificates may chain to, and the context built from them, swapped atomically on a change.
 *
 * <p>Rotation never strands a connection (seed 000): each new channel reads the current context
 * once, in its initializer, and keeps its engine for life. A handshake in progress completes with
 * the certificate it started with or is closed by its deadline; established connections are left
 * alone unless the reload asks to drop them ({@link #retireConnections}); there is no listener to
 * restart.
 *
 * <p>A change is made in two steps, {@link #prepare} (build the engine context: the step that can
 * refuse the material) and {@link #install} (an atomic swap, which cannot fail), so that a caller
 * can store the new material between them and never store what the engine would refuse. Callers
 * serialise changes (the node does).
 */
public final class ServerTls {
  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final SslProvider provider;
  private final Duration handshakeTimeout;
  private final AtomicReference<Prepared> current = new AtomicReference<>();
  private final TlsChannels channels = new TlsChannels();

  /**
   * The client-certificate settings each channel is accepted with, stamped on it by {@link
   * #newHandler}: the handshake asks for a certificate by them, and the protocol handler maps the
   * certificate by the same ones, whatever changes meanwhile.
   */
  public static final AttributeKey<ClientCertAuth> CLIENT_CERT_AUTH =
      AttributeKey.valueOf("settee.clientCertAuth");

  private volatile ClientCertAuth clientCertAuth = ClientCertAuth.DISABLED;

  /**
   * A certificate, the CAs client certificates may chain to, and the engine context built from
   * them: made by {@link #prepare}, presented once {@link #install}ed.
   *
   * @param trusted the published CA first, then the CAs loaded by {@code loadTrustedCAs}
   */
  public record Prepared(TlsMaterial material, List<X509Certificate> trusted, SslContext context) {
    public Prepared {
      trusted = List.copyOf(trusted);
    }
  }

  /**
   * @param extraTrusted CAs client certificates may chain to besides the published one
   */
  public ServerTls(
      TlsEngine engine,
      Duration handshakeTimeout,
      TlsMaterial material,
      List<X509Certificate> extraTrusted) {
    this.provider = provider(engine);
    this.handshakeTimeout = handshakeTimeout;
    current.set(prepare(material, extraTrusted));
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
   * Builds what {@link #install} would present: {@code material}, trusting its published CA and
   * {@code extraTrusted} for client certificates. Nothing changes yet.
   *
   * @throws CertificateException when the engine refuses the certificate or key
   */
  public Prepared prepare(TlsMaterial material, List<X509Certificate> extraTrusted) {
    Set<X509Certificate> trusted = new LinkedHashSet<>();
    trusted.add(material.ca());
    trusted.addAll(extraTrusted);
    List<X509Certificate> list = List.copyOf(trusted);
    return new Prepared(material, list, build(material, list));
  }

  /** Presents {@code next} to every connection accepted from now on; cannot fail. */
  public void install(Prepared next) {
    Prepared previous = current.getAndSet(next);
    if (!TlsChannels.samePresented(previous.material(), next.material())) {
      LOG.info(
          "TLS: node certificate rotated to {} (expires {}); new connections use it",
          next.material().leaf().getSubjectX500Principal(),
          next.material().leaf().getNotAfter().toInstant());
    }
    if (!previous.trusted().equals(next.trusted())) {
      LOG.info(
          "TLS: client certificates may now chain to {} CA(s); new connections use them",
          next.trusted().size());
    }
  }

  /**
   * Closes every open TLS connection (KV and HTTPS) accepted with another certificate than the one
   * presented now, compared by content ({@link TlsChannels#samePresented}): a reload of unchanged
   * files drops none. An HTTP request in progress on one gets its response first. Logs one line.
   *
   * @return how many connections were asked to close
   */
  public int retireConnections() {
    TlsMaterial presented = material();
    int dropped =
        channels.retireAllBut(
            presented,
            "node certificate reloaded with dropExistingConnections: this connection used the"
                + " previous one");
    LOG.info(
        "TLS: dropped {} connection(s) (KV TLS and HTTPS) accepted with a previous node"
            + " certificate",
        dropped);
    return dropped;
  }

  /** The certificate presented to new connections. */
  public TlsMaterial material() {
    return current.get().material();
  }

  /** The CAs client certificates of new connections may chain to: the published one first. */
  public List<X509Certificate> trusted() {
    return current.get().trusted();
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
    Prepared presented;
    do {
      // Registered before it is checked: an install racing with this accept either is seen here
      // (and the channel takes the new certificate) or finds the channel registered with the old
      // one when it retires connections afterwards. Never a channel on an old certificate missed.
      presented = current.get();
      channels.accepted(channel, presented.material());
    } while (presented != current.get());
    SslHandler handler = presented.context().newHandler(channel.alloc());
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

  private SslContext build(TlsMaterial material, List<X509Certificate> trusted) {
    try {
      return SslContextBuilder.forServer(
              material.key(), material.chain().toArray(X509Certificate[]::new))
          .sslProvider(provider)
          .protocols(PROTOCOLS)
          // Client certificates (when asked for, see newHandler) must chain to a trusted CA.
          .trustManager(trusted.toArray(X509Certificate[]::new))
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new CertificateException(
          "the TLS engine refused the certificate: " + e.getMessage(), e);
    }
  }
}
