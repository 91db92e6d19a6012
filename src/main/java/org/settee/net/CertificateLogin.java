package org.settee.net;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.settee.security.ClientCertAuth;
import org.settee.security.User;
import org.settee.security.UserStore;

/**
 * Who a TLS client is by the certificate it presented, read once its handshake is done: the TLS
 * engine has already checked the certificate against the cluster's CA, so what is left is to read
 * the user name by the rules the channel was accepted with and find that user.
 *
 * @param user set when {@code outcome} is {@link Outcome#AUTHENTICATED}
 * @param reason why the certificate was refused, for the connection's close line
 */
public record CertificateLogin(Outcome outcome, User user, String reason) {
  /** How a certificate login ends. */
  public enum Outcome {
    /** No certificate asked for or none presented: the client authenticates as usual. */
    NONE,
    /** The certificate names a known user. */
    AUTHENTICATED,
    /** The certificate names nobody, or a user who does not exist: the connection must end. */
    REFUSED
  }

  private static final CertificateLogin NONE = new CertificateLogin(Outcome.NONE, null, null);

  /** Reads the login of a channel whose TLS handshake succeeded. */
  public static CertificateLogin of(Channel channel, UserStore users) {
    ClientCertAuth settings = channel.attr(ServerTls.CLIENT_CERT_AUTH).get();
    SslHandler tls = channel.pipeline().get(SslHandler.class);
    if (settings == null || settings.state() == ClientCertAuth.State.DISABLE || tls == null) {
      return NONE;
    }
    Certificate[] chain;
    try {
      chain = tls.engine().getSession().getPeerCertificates();
    } catch (SSLPeerUnverifiedException noCertificate) {
      return NONE; // allowed when enabled; a mandatory handshake never gets here without one
    }
    X509Certificate leaf = (X509Certificate) chain[0];
    String subject = leaf.getSubjectX500Principal().getName();
    ClientCertAuth.Identity identity = settings.identify(leaf);
    if (!identity.found()) {
      return refused("client certificate '" + subject + "' names no user: " + identity.tried());
    }
    User user = users.get(identity.user());
    if (user == null) {
      return refused(
          "client certificate '" + subject + "' names user '" + identity.user() + "', unknown");
    }
    return new CertificateLogin(Outcome.AUTHENTICATED, user, null);
  }

  private static CertificateLogin refused(String reason) {
    return new CertificateLogin(Outcome.REFUSED, null, reason);
  }
}
