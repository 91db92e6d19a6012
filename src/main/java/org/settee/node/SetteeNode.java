package org.settee.node;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.settee.SetteeVersion;
import org.settee.cluster.BucketConfigFile;
import org.settee.cluster.ClusterConfig;
import org.settee.cluster.ConfigJson;
import org.settee.cluster.NodeServices;
import org.settee.command.Commands;
import org.settee.command.KvDispatcher;
import org.settee.dcp.DcpConnections;
import org.settee.http.ManagementServer;
import org.settee.kv.Bucket;
import org.settee.kv.BucketRegistry;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketState;
import org.settee.kv.BucketType;
import org.settee.kv.ExpiryPager;
import org.settee.kv.ItemPager;
import org.settee.net.ConfigPush;
import org.settee.net.Connection;
import org.settee.net.ConnectionRegistry;
import org.settee.net.KvServer;
import org.settee.net.ServerTls;
import org.settee.net.Transport;
import org.settee.security.CaInbox;
import org.settee.security.CertificateException;
import org.settee.security.ClientCertAuth;
import org.settee.security.ClientCertAuthFile;
import org.settee.security.NodeCertificates;
import org.settee.security.Role;
import org.settee.security.TlsMaterial;
import org.settee.security.TrustedCa;
import org.settee.security.TrustedCas;
import org.settee.security.UserStore;
import org.settee.storage.BucketDirectories;
import org.settee.storage.BucketStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Settee node: its configuration, buckets, users and listeners. {@code settee server} runs one;
 * tests embed one on ephemeral ports.
 */
public final class SetteeNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SetteeNode.class);
  static final long DEFAULT_BUCKET_QUOTA_MB = 256;

  /** Couchbase's default: the expiry pager every 10 minutes. */
  static final Duration EXPIRY_PAGER_INTERVAL = Duration.ofMinutes(10);

  static final Duration COMPACTION_INTERVAL = Duration.ofHours(1);

  /**
   * Ephemeral buckets purge their tombstones every minute, as Couchbase's ephemeral purger does:
   * their purge interval may be as short as a minute, and the pass is in memory only (one scan of
   * each vBucket's items under its lock), unlike a couchbase bucket's compaction with its disk
   * work. Its cost on large buckets has not been measured.
   */
  static final Duration EPHEMERAL_PURGE_INTERVAL = Duration.ofMinutes(1);

  private final NodeOptions options;
  private final AtomicReference<NodeState> state = new AtomicReference<>(NodeState.NEW);
  private final BucketRegistry buckets;
  private final ConnectionRegistry connections = new ConnectionRegistry();
  private final ConcurrentHashMap<String, BucketStorage> storages = new ConcurrentHashMap<>();
  private UserStore users;
  private BucketConfigFile bucketConfig;
  private final BucketDirectories bucketDirectories;

  /** A change was made whose configuration revision could not be written yet: retried. */
  private final AtomicBoolean revisionPending = new AtomicBoolean();

  private ClusterConfig clusterConfig;
  private ConfigJson configJson;
  private volatile NodeServices services = new NodeServices(0, 0, 0, 0);
  private FileChannel lockChannel;
  private FileLock dataDirLock;

  /**
   * PLAIN password checks (PBKDF2) run here, off the event loops; bounded, so a flood of logins
   * gets ETMPFAIL instead of unbounded memory.
   */
  private final ThreadPoolExecutor passwordHashing =
      new ThreadPoolExecutor(
          2,
          2,
          0,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(1024),
          new DefaultThreadFactory("settee-auth", true));

  /** Reads of evicted items; bounded, so a storm of misses queues instead of piling threads. */
  private final ThreadPoolExecutor backgroundFetches =
      new ThreadPoolExecutor(
          2,
          2,
          0,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(4096),
          new DefaultThreadFactory("settee-bgfetch", true));

  /**
   * DCP backfills: disk scans run here a chunk at a time, never on an event loop. Each connection
   * keeps at most two scans going, so the queue is bounded by the connections.
   */
  private final ThreadPoolExecutor backfills =
      new ThreadPoolExecutor(
          2,
          2,
          0,
          TimeUnit.SECONDS,
          new java.util.concurrent.LinkedBlockingQueue<>(),
          new DefaultThreadFactory("settee-backfill", true));

  private final DcpConnections dcpConnections = new DcpConnections(backfills);

  /** Background work that is neither I/O nor storage: the expiry pager, compaction. */
  private final ScheduledExecutorService tasks =
      Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("settee-tasks", true));

  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private ServerTls tls;
  private NodeCertificates certificates;
  private TrustedCas trustedCas;
  private ClientCertAuthFile clientCertAuthFile;
  private KvServer kvServer;
  private ManagementServer managementServer;
  private int kvPort;
  private int mgmtPort;
  private int kvTlsPort;
  private int mgmtTlsPort;

  public SetteeNode(NodeOptions options) {
    this.options = options;
    this.bucketDirectories = new BucketDirectories(options.dataDir());
    this.buckets = new BucketRegistry(options.clock());
    buckets.onShutdown(this::disconnectFrom);
  }

  /** Starts the node; returns once it serves. */
  public SetteeNode start() {
    transition(NodeState.NEW, NodeState.STARTING);
    try {
      lockDataDir();
      loadConfiguration();
      startTls();
      Transport transport = Transport.best();
      boss = transport.newGroup(1, "settee-accept");
      workers = transport.newGroup(options.ioThreads(), "settee-io");
      KvDispatcher dispatcher =
          new KvDispatcher(
              Commands.table(
                  users,
                  buckets,
                  connections,
                  configJson,
                  storages::get,
                  options.clock(),
                  passwordHashing,
                  dcpConnections),
              buckets,
              configJson,
              options.maxItemSize());
      kvServer =
          new KvServer(
              connections,
              dispatcher,
              new KvServer.Options(
                  options.bindHost(),
                  options.kvPort(),
                  options.kvTlsPort(),
                  options.maxFrameBody(),
                  options.authDeadline(),
                  options.unauthenticatedDefaultBucket()),
              tls,
              users);
      kvPort = kvServer.start(transport, boss, workers);
      kvTlsPort = kvServer.tlsPort();
      managementServer =
          new ManagementServer(
              this, options.bindHost(), options.mgmtPort(), options.mgmtTlsPort(), tls);
      mgmtPort = managementServer.start(transport, boss, workers);
      mgmtTlsPort = managementServer.tlsPort();
      services = new NodeServices(kvPort, kvTlsPort, mgmtPort, mgmtTlsPort);
      clusterConfig.bump("listening on kv port " + kvPort);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopResources();
      state.set(NodeState.STOPPED);
      throw new IllegalStateException("interrupted while starting", e);
    } catch (RuntimeException e) {
      stopResources();
      state.set(NodeState.STOPPED);
      throw e;
    }
    tasks.scheduleWithFixedDelay(
        this::runExpiryPager,
        EXPIRY_PAGER_INTERVAL.toSeconds(),
        EXPIRY_PAGER_INTERVAL.toSeconds(),
        TimeUnit.SECONDS);
    tasks.scheduleWithFixedDelay(
        this::compact,
        COMPACTION_INTERVAL.toSeconds(),
        COMPACTION_INTERVAL.toSeconds(),
        TimeUnit.SECONDS);
    tasks.scheduleWithFixedDelay(
        this::purgeEphemeralTombstones,
        EPHEMERAL_PURGE_INTERVAL.toSeconds(),
        EPHEMERAL_PURGE_INTERVAL.toSeconds(),
        TimeUnit.SECONDS);
    transition(NodeState.STARTING, NodeState.RUNNING);
    LOG.info(
        "Settee {} ready: kv port {}, management port {}, kv TLS port {}, management TLS port {}"
            + " on {} ({} I/O threads), data dir {}, buckets {}{}",
        SetteeVersion.VERSION,
        kvPort,
        mgmtPort,
        kvTlsPort,
        mgmtTlsPort,
        options.bindHost(),
        options.ioThreads(),
        options.dataDir().toAbsolutePath(),
        buckets.all().stream().map(Bucket::name).toList(),
        options.unauthenticatedDefaultBucket()
            ? ", bucket 'default' open to unauthenticated clients"
            : "");
    return this;
  }

  /** Stops the node: listeners first, then connections, then resources. Idempotent. */
  @Override
  public void close() {
    // Under the node's lock: a bucket change in progress finishes first, and none starts after
    // (each checks the state under the same lock), so none can write buckets.json from a
    // registry the stop is emptying.
    synchronized (this) {
      if (!state.compareAndSet(NodeState.RUNNING, NodeState.STOPPING)) {
        return;
      }
    }
    LOG.info("Settee stopping: closing {} connections", connections.openCount());
    stopResources();
    state.set(NodeState.STOPPED);
    LOG.info("Settee stopped");
  }

  public NodeState state() {
    return state.get();
  }

  public int kvPort() {
    return kvPort;
  }

  /** The management REST API's bound port. */
  public int mgmtPort() {
    return mgmtPort;
  }

  /** The KV TLS listener's bound port. */
  public int kvTlsPort() {
    return kvTlsPort;
  }

  /** The management HTTPS listener's bound port. */
  public int mgmtTlsPort() {
    return mgmtTlsPort;
  }

  /** The node's TLS: the certificate presented and the CA published. */
  public ServerTls tls() {
    return tls;
  }

  /** As {@link #reloadCertificate(boolean)}, leaving established connections alone. */
  public TlsMaterial reloadCertificate() {
    return reloadCertificate(false).material();
  }

  /**
   * Replaces the node certificate with {@code <data-dir>/inbox/chain.pem} and {@code
   * <data-dir>/inbox/pkey.key}, in this order: the files are read and checked (and the TLS engine
   * builds its context from them), then stored, then presented to new connections. A file that
   * cannot be used changes nothing; a store that fails leaves the old certificate in use and on
   * disk; a restart keeps the new one.
   *
   * @param dropExistingConnections also close every open TLS connection (KV and HTTPS) accepted
   *     with the previous certificate; plain connections always stay
   * @throws CertificateException naming the file and what is wrong with it
   * @throws java.io.UncheckedIOException when the new certificate cannot be stored
   */
  public synchronized CertificateReload reloadCertificate(boolean dropExistingConnections) {
    Path inbox = options.dataDir().resolve("inbox");
    TlsMaterial material =
        NodeCertificates.load(inbox.resolve("chain.pem"), inbox.resolve("pkey.key"));
    ServerTls.Prepared next = tls.prepare(material, trustedCas.certificates());
    certificates.replace(material, () -> tls.install(next));
    int dropped = dropExistingConnections ? tls.retireConnections() : 0;
    return new CertificateReload(material, dropped);
  }

  /**
   * Trusts the CA certificates in {@code <data-dir>/inbox/CA/} for client certificates, beside the
   * node's own CA, and lists them in {@code /pools/default/trustedCAs}: stored first, then used by
   * new TLS connections. One file that cannot be read changes nothing.
   *
   * @param loadHost the node address the request reached, recorded with each CA
   * @return the CAs added; none when every one was trusted already
   * @throws CertificateException naming the directory or file
   */
  public synchronized List<TrustedCa> loadTrustedCas(String loadHost) {
    List<CaInbox.Found> found = CaInbox.read(options.dataDir().resolve("inbox").resolve("CA"));
    TlsMaterial material = tls.material();
    List<TrustedCa> added =
        trustedCas.add(
            found,
            material.ca(),
            Instant.ofEpochSecond(options.clock().currentTimeSeconds()),
            loadHost,
            all -> tls.install(tls.prepare(material, all)));
    LOG.info(
        "loadTrustedCAs: {} CA certificate(s) added from {} found: {}",
        added.size(),
        found.size(),
        added.stream().map(ca -> ca.certificate().getSubjectX500Principal().getName()).toList());
    return added;
  }

  /** The CA certificates loaded by {@link #loadTrustedCas}, by id. */
  public List<TrustedCa> trustedCas() {
    return trustedCas.all();
  }

  /** The client-certificate authentication settings new TLS connections are accepted with. */
  public ClientCertAuth clientCertAuth() {
    return tls.clientCertAuth();
  }

  /**
   * Stores new client-certificate settings and applies them to connections accepted from now on (KV
   * and HTTPS); established connections keep theirs.
   *
   * @return false when they equal the current ones (nothing changed)
   */
  public synchronized boolean clientCertAuth(ClientCertAuth settings) {
    if (settings.equals(tls.clientCertAuth())) {
      return false;
    }
    clientCertAuthFile.save(settings);
    tls.clientCertAuth(settings);
    LOG.info("client certificate authentication set to {}", settings.toJson());
    return true;
  }

  public UserStore users() {
    return users;
  }

  public BucketRegistry buckets() {
    return buckets;
  }

  public ConnectionRegistry connections() {
    return connections;
  }

  public NodeOptions options() {
    return options;
  }

  /** The cluster's identity and configuration revision. */
  public ClusterConfig clusterConfig() {
    return clusterConfig;
  }

  /** The configuration documents clients bootstrap from. */
  public ConfigJson configJson() {
    return configJson;
  }

  /** The services this node serves, with their bound ports. */
  public NodeServices services() {
    return services;
  }

  /**
   * Creates a bucket and records it in the node's configuration; clients see it in the next
   * configuration revision.
   *
   * @throws IllegalStateException when a bucket of that name exists
   */
  public synchronized Bucket createBucket(BucketSettings settings) {
    requireRunning();
    Bucket bucket = buckets.create(settings, this::prepareBucket);
    recordOrUndo(settings.name());
    announce("bucket " + settings.name() + " created");
    LOG.info(
        "bucket '{}' created ({}, {} vBuckets)",
        settings.name(),
        settings.type().restName(),
        settings.numVBuckets());
    return bucket;
  }

  /**
   * Changes a bucket's settings in place (quota, flush, max TTL, replicas) and records that;
   * clients see it in the next configuration revision.
   *
   * @throws IllegalArgumentException when a setting that cannot change in place differs
   */
  public synchronized Bucket updateBucket(BucketSettings next) {
    requireRunning();
    Bucket bucket = buckets.get(next.name());
    if (bucket == null) {
      throw new IllegalStateException("no bucket " + next.name());
    }
    // Recorded first, then made: made first, clients could act on settings (a larger quota) that a
    // failed write would take back at the next restart; and for the length of an fsync they would.
    bucket.checkUpdate(next);
    bucketConfig.save(buckets.all().stream().map(b -> b == bucket ? next : b.settings()).toList());
    bucket.updateSettings(next);
    announce("bucket " + next.name() + " updated");
    LOG.info("bucket '{}' settings updated", next.name());
    return bucket;
  }

  /** Deletes a bucket (its connections are closed first) and records that. */
  public synchronized boolean deleteBucket(String name) {
    requireRunning();
    Bucket bucket = buckets.get(name);
    if (bucket == null || bucket.state() != BucketState.READY) {
      return false;
    }
    // The configuration first: if it cannot be written, nothing is deleted. The other way round,
    // a failed write would leave a bucket whose files are gone in the configuration, and the next
    // start would bring it back, empty.
    List<BucketSettings> before = buckets.all().stream().map(Bucket::settings).toList();
    bucketConfig.save(before.stream().filter(s -> !s.name().equals(name)).toList());
    boolean deleted = buckets.delete(name, this::destroyStorage);
    if (!deleted) {
      // It began to shut down meanwhile (the node is stopping): it stays, and so does its
      // configuration. The list from before, not the registry's now: a node stopping takes its
      // buckets out of the registry one by one, and none of them is being deleted.
      bucketConfig.save(before);
      return false;
    }
    announce("bucket " + name + " deleted");
    LOG.info("bucket '{}' deleted", name);
    return true;
  }

  /**
   * Records a bucket just created in {@code buckets.json}; if that fails the bucket is deleted
   * again: missing from the configuration, it would be gone after a restart and its files left
   * behind for good.
   */
  private void recordOrUndo(String name) {
    try {
      saveBuckets();
    } catch (RuntimeException e) {
      try {
        buckets.delete(name, this::destroyStorage);
      } catch (RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    }
  }

  /**
   * Tells clients about a change made and recorded: a new configuration revision, which is written
   * to disk before anyone sees it (so that it never goes backwards across a restart). If it cannot
   * be written, the change stands (it is in buckets.json) and answering that it failed would be
   * wrong; clients learn of it once the revision is written, retried every second.
   */
  private void announce(String change) {
    try {
      clusterConfig.bump(change);
      revisionPending.set(false);
    } catch (UncheckedIOException e) {
      if (revisionPending.compareAndSet(false, true)) {
        LOG.warn(
            "{}, but clients are not told until the configuration revision can be written ({}: {});"
                + " retrying every second",
            change,
            e.getMessage(),
            e.getCause() == null ? "" : e.getCause().getMessage());
        retryAnnounceLater();
      }
    }
  }

  private void retryAnnounce() {
    if (!revisionPending.get() || state.get() != NodeState.RUNNING) {
      return;
    }
    try {
      clusterConfig.bump("configuration changes not yet announced");
      revisionPending.set(false);
      LOG.info("configuration revision written: clients see the changes made meanwhile");
    } catch (UncheckedIOException e) {
      retryAnnounceLater();
    }
  }

  private void retryAnnounceLater() {
    try {
      tasks.schedule(this::retryAnnounce, 1, TimeUnit.SECONDS);
    } catch (RejectedExecutionException stopping) {
      // The node is stopping: nobody is left to tell.
    }
  }

  /** Bucket changes are for a running node only (caller holds the node's lock). */
  private void requireRunning() {
    if (state.get() != NodeState.RUNNING) {
      throw new IllegalStateException("the node is " + state.get() + ": no bucket changes");
    }
  }

  private void saveBuckets() {
    bucketConfig.save(buckets.all().stream().map(Bucket::settings).toList());
  }

  private void transition(NodeState expected, NodeState next) {
    if (!state.compareAndSet(expected, next)) {
      throw new IllegalStateException("node state: " + state.get() + ", expected " + expected);
    }
  }

  /** Two nodes on one data directory would corrupt it: the second refuses to start. */
  private void lockDataDir() {
    Path dir = options.dataDir();
    try {
      Files.createDirectories(dir);
      lockChannel =
          FileChannel.open(
              dir.resolve("settee.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      dataDirLock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      dataDirLock = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use data directory " + dir.toAbsolutePath(), e);
    }
    if (dataDirLock == null) {
      throw new IllegalStateException(
          "data directory " + dir.toAbsolutePath() + " is in use by another running node");
    }
  }

  /** The certificate comes from the user's files, an earlier start, or is made now. */
  private void startTls() {
    certificates = new NodeCertificates(options.dataDir().resolve("config").resolve("certs"));
    List<String> hosts = new ArrayList<>(List.of("127.0.0.1", "localhost"));
    String bind = options.bindHost();
    if (!bind.equals("0.0.0.0") && !bind.equals("::") && !hosts.contains(bind)) {
      hosts.add(bind);
    }
    TlsMaterial material =
        certificates.loadOrCreate(options.tlsCertChain(), options.tlsKey(), hosts);
    trustedCas =
        TrustedCas.open(
            options.dataDir().resolve("config").resolve("certs").resolve("trusted-cas.json"));
    tls =
        new ServerTls(
            options.tlsEngine(),
            options.tlsHandshakeTimeout(),
            material,
            trustedCas.certificates());
    clientCertAuthFile =
        new ClientCertAuthFile(
            options.dataDir().resolve("config").resolve("client-cert-auth.json"));
    tls.clientCertAuth(clientCertAuthFile.load());
  }

  /** Users and buckets come from the data directory; a first start creates the defaults. */
  private void loadConfiguration() {
    Path config = options.dataDir().resolve("config");
    bucketConfig = new BucketConfigFile(config.resolve("buckets.json"));
    if (!bucketConfig.exists()) {
      // Checked before anything is written: a directory that is refused is left as found.
      bucketDirectories.requireNone(bucketConfig.path());
    }
    clusterConfig = ClusterConfig.open(config.resolve("cluster.json"));
    configJson = new ConfigJson(clusterConfig, () -> services);
    clusterConfig.onChange(rev -> connections.open().forEach(c -> ConfigPush.offer(c, configJson)));
    users = UserStore.open(config.resolve("users.json"), options.scramIterations());
    if (users.users().isEmpty()) {
      users.upsert(options.adminUsername(), options.adminPassword(), List.of(Role.parse("admin")));
      LOG.info("first start: created administrator '{}'", options.adminUsername());
    }
    if (bucketConfig.exists()) {
      List<BucketSettings> configured = bucketConfig.load();
      bucketDirectories.deleteUnowned(configured);
      configured.forEach(settings -> buckets.create(settings, this::prepareBucket));
    } else {
      // Recorded before its files exist, so that no bucket directory is ever without a record
      // (requireNone above relies on it). If the create fails, so does this start, and the next
      // one creates the bucket from its record.
      BucketSettings defaults =
          new BucketSettings(
              "default",
              BucketType.COUCHBASE,
              DEFAULT_BUCKET_QUOTA_MB,
              options.defaultBucketVBuckets(),
              true);
      bucketConfig.save(List.of(defaults));
      buckets.create(defaults, this::prepareBucket);
      LOG.info(
          "first start: created bucket 'default' with {} vBuckets",
          options.defaultBucketVBuckets());
    }
  }

  /**
   * Readies a bucket before anyone can reach it: the item pager for its memory quota, and for
   * couchbase buckets storage (ephemeral and memcached buckets live in memory only).
   */
  private void prepareBucket(Bucket bucket) {
    bucket.onMemoryPressure(
        b -> {
          try {
            tasks.execute(() -> ItemPager.run(b));
          } catch (RejectedExecutionException stopping) {
            b.pagerDone(); // the node is stopping: nothing to make room for
          }
        });
    if (bucket.settings().type() != BucketType.COUCHBASE) {
      return;
    }
    BucketSettings s = bucket.settings();
    storages.put(s.name(), BucketStorage.open(bucketDirectories.of(s), bucket, backgroundFetches));
  }

  /**
   * Closes what no bucket owns: connections that never selected one, password hashing, fetches, the
   * event loops and, once no stream is left to ask, the backfill readers.
   */
  private void stopConnectionsAndWorkers() {
    for (Connection c : connections.open()) {
      c.close("node shutting down");
    }
    passwordHashing.shutdownNow();
    backgroundFetches.shutdownNow();
    if (workers != null) {
      workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (boss != null) {
      boss.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
    // The loops closed every connection, so every stream cancelled its backfill.
    backfills.shutdownNow();
  }

  /** Node stop: what is dirty is persisted, the store marked cleanly shut down and closed. */
  private void closeStorage(Bucket bucket) {
    BucketStorage storage = storages.remove(bucket.name());
    if (storage != null) {
      storage.close();
      LOG.info("bucket '{}' stopped: storage closed", bucket.name());
    } else {
      LOG.info("bucket '{}' stopped", bucket.name());
    }
  }

  private void destroyStorage(Bucket bucket) {
    BucketStorage storage = storages.remove(bucket.name());
    if (storage != null) {
      storage.destroy();
    }
  }

  /** Purges the tombstones of ephemeral buckets past each one's purge interval (in memory only). */
  public void purgeEphemeralTombstones() {
    try {
      for (Bucket bucket : buckets.all()) {
        if (bucket.settings().type() == BucketType.EPHEMERAL) {
          int purged = compact(bucket, purgeCutoff(bucket));
          if (purged > 0) {
            LOG.debug("bucket {}: purged {} tombstones", bucket.name(), purged);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("ephemeral tombstone purge failed", e);
    }
  }

  /** Turns every expired item of every bucket into an expiration now. */
  public void runExpiryPager() {
    try {
      new ExpiryPager(buckets).run();
    } catch (RuntimeException e) {
      LOG.warn("expiry pager failed", e);
    }
  }

  /**
   * Compaction: purges the tombstones older than each bucket's metadata purge interval (its own, or
   * the node's), in memory and on disk, and stale seqno-index entries.
   */
  public void compact() {
    try {
      for (Bucket bucket : buckets.all()) {
        int purged = compact(bucket, purgeCutoff(bucket));
        if (purged > 0) {
          LOG.info("bucket {}: compaction purged {} tombstones", bucket.name(), purged);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("compaction failed", e);
    }
  }

  /**
   * Purges the tombstones deleted before {@code cutoffSeconds} (Unix time) in every bucket,
   * whatever its purge interval, and stale seqno-index entries of couchbase buckets (in the
   * background, on each bucket's storage thread).
   */
  public void compact(long cutoffSeconds) {
    for (Bucket bucket : buckets.all()) {
      compact(bucket, cutoffSeconds);
    }
  }

  /**
   * Compacts one bucket now, as the hourly compaction would (the REST API's {@code compactBucket}):
   * the disk work goes on in the background, on the bucket's storage thread.
   *
   * @return tombstones purged from memory
   */
  public int compactNow(Bucket bucket) {
    int purged = compact(bucket, purgeCutoff(bucket));
    LOG.info(
        "bucket {}: compaction requested: {} tombstones older than {} days purged, seqno index"
            + " sweep started",
        bucket.name(),
        purged,
        purgeIntervalDays(bucket));
    return purged;
  }

  /** The purge interval that applies to {@code bucket}: its own, or the node's. */
  public double purgeIntervalDays(Bucket bucket) {
    return bucket.settings().purgeIntervalDays(clusterConfig.purgeIntervalDays());
  }

  /** Unix time before which a tombstone of {@code bucket} may be purged. */
  private long purgeCutoff(Bucket bucket) {
    long intervalSeconds = Math.round(purgeIntervalDays(bucket) * Duration.ofDays(1).toSeconds());
    return options.clock().currentTimeSeconds() - intervalSeconds;
  }

  private int compact(Bucket bucket, long cutoffSeconds) {
    BucketStorage storage = storages.get(bucket.name());
    if (storage != null) {
      int purged = storage.purgeTombstones(cutoffSeconds);
      storage.removeStaleSeqnos();
      return purged;
    }
    int purged = 0;
    for (int i = 0; i < bucket.numVBuckets(); i++) {
      purged += bucket.vbucket(i).purgeTombstones(cutoffSeconds).size();
    }
    return purged;
  }

  /** The persistence of a couchbase bucket, or null. */
  public BucketStorage storage(String bucketName) {
    return storages.get(bucketName);
  }

  /**
   * A bucket going away first loses its connections: each is closed on its own event loop, which
   * also releases its DCP streams and backfills, and this waits until every one has, so storage is
   * never closed under a stream.
   */
  private void disconnectFrom(Bucket bucket) {
    List<Connection> closing = new ArrayList<>();
    for (Connection c : connections.open()) {
      if (bucket.name().equals(c.snapshot().bucket())) {
        c.close("bucket " + bucket.name() + " is shutting down");
        closing.add(c);
      }
    }
    // One deadline for them all: connections stuck on busy loops must not add up to minutes.
    long deadline = System.nanoTime() + DISCONNECT_DEADLINE.toNanos();
    for (Connection c : closing) {
      if (c.isOnEventLoop()) {
        continue; // deleting from that very loop: it closes once this returns
      }
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        c.closedFuture().get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        LOG.warn(
            "bucket {}: connection {} did not close within {} s; going on",
            bucket.name(),
            c.id(),
            DISCONNECT_DEADLINE.toSeconds());
      } catch (ExecutionException e) {
        LOG.warn(
            "bucket {}: closing connection {} failed: {}", bucket.name(), c.id(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (!closing.isEmpty()) {
      LOG.info("bucket '{}' shutting down: closed {} connections", bucket.name(), closing.size());
    }
  }

  /** How long a bucket shutdown waits for its connections to close (their loops are busy). */
  private static final java.time.Duration DISCONNECT_DEADLINE = java.time.Duration.ofSeconds(10);

  /** The node's DCP connections. */
  public DcpConnections dcpConnections() {
    return dcpConnections;
  }

  /**
   * The order of ARCHITECTURE.md's lifecycles, for every bucket: no new connections, no timed work;
   * each bucket refuses requests and loses its connections (which releases their streams); then the
   * loops and workers stop; then each bucket's storage drains what is dirty and closes.
   */
  private void stopResources() {
    if (managementServer != null) {
      managementServer.stop();
    }
    if (kvServer != null) {
      kvServer.stop();
    }
    tasks.shutdownNow();
    buckets.shutdownAll(this::stopConnectionsAndWorkers, this::closeStorage);
    try {
      if (dataDirLock != null) {
        dataDirLock.release();
      }
      if (lockChannel != null) {
        lockChannel.close();
      }
    } catch (IOException e) {
      LOG.warn("could not release the data directory lock: {}", e.toString());
    }
  }
}
