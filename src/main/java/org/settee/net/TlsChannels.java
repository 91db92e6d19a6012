package org.settee.net;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.settee.security.TlsMaterial;

/**
 * The open channels of every TLS listener (KV and HTTPS), each stamped with the certificate it was
 * accepted with, so that a reload can drop those still on an older one. Plain listeners never
 * register here. A channel leaves the group by itself when it closes.
 */
final class TlsChannels {
  /** The node certificate a channel's TLS engine was built with. */
  static final AttributeKey<TlsMaterial> ACCEPTED_WITH =
      AttributeKey.valueOf("settee.acceptedWith");

  private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

  /** Records that {@code channel} presents {@code material}; called again if that changes. */
  void accepted(Channel channel, TlsMaterial material) {
    channel.attr(ACCEPTED_WITH).set(material);
    open.add(channel);
  }

  /**
   * Asks every open channel accepted with another certificate chain than {@code current}'s to close
   * (see {@link CertificateRetired}); returns how many were asked.
   */
  int retireAllBut(TlsMaterial current, String reason) {
    CertificateRetired retired = new CertificateRetired(reason);
    int count = 0;
    for (Channel ch : open) {
      if (!samePresented(ch.attr(ACCEPTED_WITH).get(), current)) {
        // Runs on the channel's own loop, after whatever that loop was already asked to do.
        ch.pipeline().fireUserEventTriggered(retired);
        count++;
      }
    }
    return count;
  }

  /**
   * Whether a connection accepted with {@code a} was presented what {@code b} presents: the same
   * chain, by content. Every reload reads the files into new objects, so comparing by identity took
   * a reload of unchanged files for a new certificate and dropped every TLS connection, though none
   * was on anything that had been replaced. Certificates compare by their encoded bytes ({@link
   * java.security.cert.Certificate#equals}). The chain is what a client was shown and checked; the
   * key has to match its leaf and the published CA is its top, so they add nothing to compare.
   */
  static boolean samePresented(TlsMaterial a, TlsMaterial b) {
    return a == b || a.chain().equals(b.chain());
  }
}
