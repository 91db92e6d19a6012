package org.settee.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;
import org.settee.cluster.ConfigRevision;
import org.settee.kv.Bucket;
import org.settee.protocol.Feature;
import org.settee.protocol.Request;
import org.settee.security.Privilege;
import org.settee.security.SaslServer;
import org.settee.security.User;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's KV connection: its lifecycle, what it negotiated, who it is and which bucket it
 * uses. Owned by its channel's event loop: every field is read and written there only; other
 * threads reach it through {@link #close(String)}, which hops onto the loop.
 */
public final class Connection {
  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

  private final long id;
  private final Channel channel;
  private final boolean anonymousDefaultBucket;
  private ConnectionState state = ConnectionState.ACCEPTED;
  private final EnumSet<Feature> features = EnumSet.noneOf(Feature.class);
  private boolean xerror;
  private boolean json;
  private boolean mutationSeqno;
  private boolean snappy;
  private boolean altRequests;
  private String agent = "";
  private User user;
  private boolean certificateAuthenticated;
  private Bucket bucket;
  private SaslServer sasl;
  private ByteBuf pendingOutput;
  private String closeReason;
  private long requests;

  /** True while a request runs off the loop: later requests wait here, in order. */
  private boolean suspended;

  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private Consumer<Request> dispatch;

  /** The newest configuration this client was sent (or told us it has), for dedupe and push. */
  private ConfigRevision configSeen = ConfigRevision.NONE;

  private volatile Snapshot snapshot;

  private ConnectionRole role;

  /** Completes once the connection is closed and its role released everything it held. */
  private final java.util.concurrent.CompletableFuture<Void> closedFuture =
      new java.util.concurrent.CompletableFuture<>();

  /**
   * What other threads (stats) may read about a connection: an immutable copy published on each
   * lifecycle change, so they never touch the loop-owned fields.
   */
  public record Snapshot(
      long id,
      String peer,
      String local,
      ConnectionState state,
      String agent,
      String user,
      String bucket,
      Set<Feature> features) {}

  Connection(long id, Channel channel, boolean anonymousDefaultBucket) {
    this.id = id;
    this.channel = channel;
    this.anonymousDefaultBucket = anonymousDefaultBucket;
    publish();
  }

  /** The latest published view of this connection; safe from any thread. */
  public Snapshot snapshot() {
    return snapshot;
  }

  private void publish() {
    snapshot =
        new Snapshot(
            id,
            String.valueOf(channel.remoteAddress()),
            String.valueOf(channel.localAddress()),
            state,
            agent,
            user == null ? (isAnonymous() ? "(anonymous)" : null) : user.name(),
            bucket == null ? null : bucket.name(),
            Set.copyOf(features));
  }

  public long id() {
    return id;
  }

  public SocketAddress peer() {
    return channel.remoteAddress();
  }

  public SocketAddress local() {
    return channel.localAddress();
  }

  public ConnectionState state() {
    return state;
  }

  /** Moves the lifecycle forward; an illegal move is a bug and says which. */
  public void transition(ConnectionState next) {
    if (next == state) {
      return;
    }
    if (!state.next().contains(next)) {
      throw new IllegalStateException("connection " + id + " state: " + state + " -> " + next);
    }
    LOG.debug("conn {}: {} -> {}", id, state, next);
    state = next;
    publish();
  }

  // ---- negotiation (HELLO) ----

  /** Replaces what the connection negotiated: every HELLO starts from nothing. */
  public void negotiated(Set<Feature> enabled, String agentName) {
    features.clear();
    features.addAll(enabled);
    xerror = enabled.contains(Feature.XERROR);
    json = enabled.contains(Feature.JSON);
    mutationSeqno = enabled.contains(Feature.MUTATION_SEQNO);
    snappy = enabled.contains(Feature.SNAPPY);
    altRequests = enabled.contains(Feature.ALT_REQUEST_SUPPORT);
    agent = agentName;
    publish();
  }

  public boolean has(Feature feature) {
    return features.contains(feature);
  }

  public Set<Feature> features() {
    return features.clone();
  }

  public boolean xerror() {
    return xerror;
  }

  public boolean json() {
    return json;
  }

  public boolean mutationSeqno() {
    return mutationSeqno;
  }

  public boolean snappy() {
    return snappy;
  }

  public boolean altRequests() {
    return altRequests;
  }

  public String agent() {
    return agent;
  }

  // ---- identity and bucket ----

  public User user() {
    return user;
  }

  /** A client that never authenticated on a node that serves the default bucket anonymously. */
  public boolean isAnonymous() {
    return user == null && anonymousDefaultBucket;
  }

  /** Marks a successful SASL exchange; any previously selected bucket is deselected. */
  public void authenticated(User authenticated) {
    this.user = authenticated;
    this.bucket = null;
    transition(ConnectionState.AUTHENTICATED);
    publish();
  }

  /**
   * Marks a client authenticated by its TLS certificate: it stays that user for the life of the
   * connection (SASL is refused, as memcached does), since the certificate cannot change.
   */
  public void authenticatedByCertificate(User authenticated) {
    authenticated(authenticated);
    certificateAuthenticated = true;
  }

  public boolean isCertificateAuthenticated() {
    return certificateAuthenticated;
  }

  /** Forgets the identity (a new SASL_AUTH started). */
  public void unauthenticated() {
    this.user = null;
    this.bucket = null;
    transition(ConnectionState.ACCEPTED);
    publish();
  }

  public Bucket bucket() {
    return bucket;
  }

  public void select(Bucket selected) {
    this.bucket = selected;
    this.configSeen = ConfigRevision.NONE;
    transition(selected == null ? ConnectionState.AUTHENTICATED : ConnectionState.BUCKET_SELECTED);
    publish();
  }

  /** Whether this connection's identity holds a privilege on a bucket. */
  public boolean can(Privilege privilege, String bucketName) {
    if (user != null) {
      return user.can(privilege, bucketName);
    }
    return anonymousDefaultBucket
        && "default".equals(bucketName)
        && (privilege == Privilege.DATA_READ
            || privilege == Privilege.DATA_WRITE
            || privilege == Privilege.SELECT);
  }

  public SaslServer sasl() {
    return sasl;
  }

  public void sasl(SaslServer server) {
    this.sasl = server;
  }

  // ---- configuration delivery ----

  public ConfigRevision configSeen() {
    return configSeen;
  }

  /** Records that the client has (at least) this configuration. */
  public void sawConfig(ConfigRevision revision) {
    if (revision.isNewerThan(configSeen)) {
      configSeen = revision;
    }
  }

  /** Whether the client asked to be told of configuration changes (Duplex + notification). */
  public boolean wantsConfigPush() {
    return features.contains(Feature.DUPLEX)
        && (features.contains(Feature.CLUSTERMAP_CHANGE_NOTIFICATION)
            || features.contains(Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF));
  }

  /** Brief notifications carry only the version; full ones the configuration too. */
  public boolean wantsBriefConfigPush() {
    return features.contains(Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF);
  }

  // ---- output ----

  /**
   * The buffer responses are written into; it goes to the socket once per read batch, so a pipeline
   * of requests costs one write and one flush.
   */
  public ByteBuf output() {
    if (pendingOutput == null) {
      pendingOutput = channel.alloc().ioBuffer();
    }
    return pendingOutput;
  }

  /** Hands the buffered output to the channel (the loop does this after each read batch). */
  public void flushOutput() {
    ByteBuf out = pendingOutput;
    pendingOutput = null;
    if (out == null) {
      return;
    }
    if (out.isReadable() && channel.isActive()) {
      channel.writeAndFlush(out, channel.voidPromise());
    } else {
      out.release();
    }
  }

  void countRequest() {
    requests++;
  }

  public long requests() {
    return requests;
  }

  // ---- requests executed off the event loop ----

  /** Wires how waiting requests are executed once the connection resumes. */
  void dispatchWith(Consumer<Request> dispatcher) {
    this.dispatch = dispatcher;
  }

  /** Called with a request that may have to wait its turn; returns false if it was queued. */
  boolean admit(Request request) {
    if (!suspended) {
      return true;
    }
    waiting.add(request);
    // Bounded: a suspended connection reads nothing more until it resumes.
    channel.config().setAutoRead(false);
    return false;
  }

  /**
   * Marks that the current request completes later, off the loop (a password hash, a disk read):
   * requests behind it wait so that responses stay in order.
   */
  public void suspend() {
    suspended = true;
    // Nothing more is read meanwhile: a client cannot pile up bytes behind a slow request.
    channel.config().setAutoRead(false);
  }

  /** The off-loop request completed (on the loop): run the ones that waited, in order. */
  public void resume() {
    suspended = false;
    while (!suspended && !isClosing()) {
      Request next = waiting.poll();
      if (next == null) {
        break;
      }
      countRequest();
      dispatch.accept(next);
    }
    if (!suspended && !isClosing()) {
      decodeBuffered();
    }
    flushOutput();
    if (!suspended && !isClosing()) {
      channel.config().setAutoRead(channel.isWritable());
    }
  }

  public boolean isSuspended() {
    return suspended;
  }

  /**
   * Cuts the frames that arrived while suspended and still sit in the frame decoder. The empty read
   * goes straight to the decoder: fired from the pipeline's head it would stop at a TLS handler,
   * which has no new ciphertext to decrypt, and a request already decrypted behind the one that
   * suspended (the SDK pipelines SELECT_BUCKET behind SASL PLAIN) would wait forever.
   */
  private void decodeBuffered() {
    ChannelHandlerContext frames = channel.pipeline().context(KvFrameDecoder.class);
    if (frames == null) {
      return; // the channel is being torn down
    }
    try {
      ((KvFrameDecoder) frames.handler()).channelRead(frames, Unpooled.EMPTY_BUFFER);
    } catch (Exception e) {
      // As the pipeline would: the connection handler closes the connection with the reason.
      frames.fireExceptionCaught(e);
    }
  }

  // ---- closing ----

  /**
   * Closes the connection after the responses already written; idempotent and callable from any
   * thread. The reason goes into the connection's close log line.
   */
  public void close(String reason) {
    if (!channel.eventLoop().inEventLoop()) {
      channel.eventLoop().execute(() -> close(reason));
      return;
    }
    if (state == ConnectionState.CLOSING || state == ConnectionState.CLOSED) {
      return;
    }
    closeReason = reason;
    transition(ConnectionState.CLOSING);
    flushOutput();
    channel.close();
  }

  // ---- role ----

  /** Gives the connection a role (DCP producer); once only. */
  public void role(ConnectionRole newRole) {
    if (role != null) {
      throw new IllegalStateException("connection " + id + " already has a role");
    }
    role = newRole;
  }

  public ConnectionRole role() {
    return role;
  }

  void writable() {
    if (role != null) {
      role.writable();
    }
  }

  /** Completes when the connection is closed and released; safe from any thread. */
  public java.util.concurrent.CompletableFuture<Void> closedFuture() {
    return closedFuture;
  }

  /** Called once the channel is closed, whoever closed it. */
  void closed() {
    try {
      if (role != null) {
        role.closed();
      }
    } finally {
      release();
      closedFuture.complete(null);
    }
  }

  private void release() {
    for (Request r = waiting.poll(); r != null; r = waiting.poll()) {
      r.release();
    }
    if (pendingOutput != null) {
      pendingOutput.release();
      pendingOutput = null;
    }
    if (closeReason == null) {
      closeReason = "closed by the client";
      if (state != ConnectionState.CLOSING) {
        transition(ConnectionState.CLOSING);
      }
    }
    transition(ConnectionState.CLOSED);
  }

  public boolean isClosing() {
    return state == ConnectionState.CLOSING || state == ConnectionState.CLOSED;
  }

  public String closeReason() {
    return closeReason;
  }

  public boolean isOnEventLoop() {
    return channel.eventLoop().inEventLoop();
  }

  public Channel channel() {
    return channel;
  }
}
