package org.settee.node;

import java.nio.file.Path;
import java.time.Duration;
import org.settee.kv.BucketSettings;
import org.settee.net.TlsEngine;
import org.settee.util.Clock;

/**
 * How a node is configured: what {@code settee server} options set, and what an embedding test
 * chooses (port 0 = an ephemeral port).
 *
 * @param defaultBucketVBuckets vBuckets of the {@code default} bucket made at first start
 * @param maxItemSize values above this get E2BIG
 * @param authDeadline connections that do not authenticate by then are closed (zero: never)
 * @param scramIterations PBKDF2 iterations for new passwords (ns_server's default is 15000)
 * @param tlsCertChain the node's certificate chain (PEM, leaf first), or null to use the one the
 *     node generates at first start
 * @param tlsKey the unencrypted private key of {@code tlsCertChain} (PEM), or null
 * @param tlsEngine which TLS implementation serves the TLS ports
 * @param tlsHandshakeTimeout a TLS connection that has not completed its handshake by then is
 *     closed
 */
public record NodeOptions(
    Path dataDir,
    String bindHost,
    int kvPort,
    int kvTlsPort,
    int mgmtPort,
    int mgmtTlsPort,
    String adminUsername,
    String adminPassword,
    boolean unauthenticatedDefaultBucket,
    int defaultBucketVBuckets,
    int maxItemSize,
    Duration authDeadline,
    int ioThreads,
    int scramIterations,
    Path tlsCertChain,
    Path tlsKey,
    TlsEngine tlsEngine,
    Duration tlsHandshakeTimeout,
    Clock clock) {

  public static final int DEFAULT_MAX_ITEM_SIZE = 20 * 1024 * 1024;

  /** Largest frame body read before the connection is closed: the item limit plus headroom. */
  public int maxFrameBody() {
    return Math.max(30 * 1024 * 1024, maxItemSize + 1024 * 1024);
  }

  /** Couchbase's defaults, with data in {@code dataDir}. */
  public static NodeOptions defaults(Path dataDir) {
    return new NodeOptions(
        dataDir,
        "0.0.0.0",
        11210,
        11207,
        8091,
        18091,
        "Administrator",
        "password",
        false,
        BucketSettings.DEFAULT_VBUCKETS,
        DEFAULT_MAX_ITEM_SIZE,
        Duration.ofSeconds(30),
        Runtime.getRuntime().availableProcessors(),
        15_000,
        null,
        null,
        TlsEngine.AUTO,
        Duration.ofSeconds(10),
        Clock.SYSTEM);
  }

  /** Defaults for an embedded node in tests: loopback, ephemeral ports, 64 vBuckets. */
  public static NodeOptions forTests(Path dataDir) {
    return defaults(dataDir).toBuilder()
        .bindHost("127.0.0.1")
        .ports(0, 0, 0, 0)
        .defaultBucketVBuckets(64)
        .scramIterations(4096)
        .build();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Changes a few options of a copy. */
  public static final class Builder {
    private Path dataDir;
    private String bindHost;
    private int kvPort;
    private int kvTlsPort;
    private int mgmtPort;
    private int mgmtTlsPort;
    private String adminUsername;
    private String adminPassword;
    private boolean unauthenticatedDefaultBucket;
    private int defaultBucketVBuckets;
    private int maxItemSize;
    private Duration authDeadline;
    private int ioThreads;
    private int scramIterations;
    private Path tlsCertChain;
    private Path tlsKey;
    private TlsEngine tlsEngine;
    private Duration tlsHandshakeTimeout;
    private Clock clock;

    private Builder(NodeOptions o) {
      dataDir = o.dataDir;
      bindHost = o.bindHost;
      kvPort = o.kvPort;
      kvTlsPort = o.kvTlsPort;
      mgmtPort = o.mgmtPort;
      mgmtTlsPort = o.mgmtTlsPort;
      adminUsername = o.adminUsername;
      adminPassword = o.adminPassword;
      unauthenticatedDefaultBucket = o.unauthenticatedDefaultBucket;
      defaultBucketVBuckets = o.defaultBucketVBuckets;
      maxItemSize = o.maxItemSize;
      authDeadline = o.authDeadline;
      ioThreads = o.ioThreads;
      scramIterations = o.scramIterations;
      tlsCertChain = o.tlsCertChain;
      tlsKey = o.tlsKey;
      tlsEngine = o.tlsEngine;
      tlsHandshakeTimeout = o.tlsHandshakeTimeout;
      clock = o.clock;
    }

    public Builder bindHost(String host) {
      bindHost = host;
      return this;
    }

    public Builder ports(int kv, int kvTls, int mgmt, int mgmtTls) {
      kvPort = kv;
      kvTlsPort = kvTls;
      mgmtPort = mgmt;
      mgmtTlsPort = mgmtTls;
      return this;
    }

    public Builder admin(String username, String password) {
      adminUsername = username;
      adminPassword = password;
      return this;
    }

    public Builder unauthenticatedDefaultBucket(boolean enabled) {
      unauthenticatedDefaultBucket = enabled;
      return this;
    }

    public Builder defaultBucketVBuckets(int n) {
      defaultBucketVBuckets = n;
      return this;
    }

    public Builder maxItemSize(int bytes) {
      maxItemSize = bytes;
      return this;
    }

    public Builder authDeadline(Duration deadline) {
      authDeadline = deadline;
      return this;
    }

    public Builder ioThreads(int threads) {
      ioThreads = threads;
      return this;
    }

    public Builder scramIterations(int iterations) {
      scramIterations = iterations;
      return this;
    }

    /** The node's certificate chain and key files instead of the generated ones (both or none). */
    public Builder tlsCertificate(Path chain, Path key) {
      tlsCertChain = chain;
      tlsKey = key;
      return this;
    }

    public Builder tlsEngine(TlsEngine engine) {
      tlsEngine = engine;
      return this;
    }

    public Builder tlsHandshakeTimeout(Duration timeout) {
      tlsHandshakeTimeout = timeout;
      return this;
    }

    public Builder clock(Clock c) {
      clock = c;
      return this;
    }

    public NodeOptions build() {
      return new NodeOptions(
          dataDir,
          bindHost,
          kvPort,
          kvTlsPort,
          mgmtPort,
          mgmtTlsPort,
          adminUsername,
          adminPassword,
          unauthenticatedDefaultBucket,
          defaultBucketVBuckets,
          maxItemSize,
          authDeadline,
          ioThreads,
          scramIterations,
          tlsCertChain,
          tlsKey,
          tlsEngine,
          tlsHandshakeTimeout,
          clock);
    }
  }
}
