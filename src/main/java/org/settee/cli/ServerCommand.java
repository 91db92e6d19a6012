package org.settee.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.settee.net.TlsEngine;
import org.settee.node.NodeOptions;
import org.settee.node.SetteeNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code settee server}: runs a single node until SIGTERM or SIGINT. */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description =
        "Start a Settee node (first start creates bucket 'default' and the administrator).")
final class ServerCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

  @Option(
      names = "--data-dir",
      defaultValue = "./data",
      description = "Data directory [${DEFAULT-VALUE}]")
  Path dataDir;

  @Option(
      names = "--bind",
      defaultValue = "0.0.0.0",
      description = "Address to listen on [${DEFAULT-VALUE}]")
  String bind;

  @Option(
      names = "--kv-port",
      defaultValue = "11210",
      description = "KV (memcached binary) port [${DEFAULT-VALUE}]")
  int kvPort;

  @Option(
      names = "--kv-tls-port",
      defaultValue = "11207",
      description = "KV TLS port [${DEFAULT-VALUE}]")
  int kvTlsPort;

  @Option(
      names = "--mgmt-port",
      defaultValue = "8091",
      description = "Management REST port [${DEFAULT-VALUE}]")
  int mgmtPort;

  @Option(
      names = "--mgmt-tls-port",
      defaultValue = "18091",
      description = "Management HTTPS port [${DEFAULT-VALUE}]")
  int mgmtTlsPort;

  @Option(
      names = "--username",
      defaultValue = "Administrator",
      description = "Administrator created at first start [${DEFAULT-VALUE}]")
  String username;

  @Option(
      names = "--password",
      defaultValue = "password",
      description = "Administrator's password at first start [${DEFAULT-VALUE}]")
  String password;

  @Option(
      names = "--unauthenticated-default-bucket",
      description =
          "Let clients that never authenticate use bucket 'default' (for plain memcached clients)")
  boolean unauthenticatedDefaultBucket;

  @Option(
      names = "--vbuckets",
      defaultValue = "1024",
      description = "vBuckets of the default bucket made at first start [${DEFAULT-VALUE}]")
  int vbuckets;

  @Option(
      names = "--tls-cert-chain",
      description =
          "Node certificate chain, PEM, leaf first (with --tls-key) [generated at first start]")
  Path tlsCertChain;

  @Option(names = "--tls-key", description = "Unencrypted PEM private key of --tls-cert-chain")
  Path tlsKey;

  @Option(
      names = "--tls-engine",
      defaultValue = "AUTO",
      description =
          "TLS implementation: AUTO (BoringSSL when it loads, else the JDK's), OPENSSL or JDK"
              + " [${DEFAULT-VALUE}]")
  TlsEngine tlsEngine;

  @Option(names = "--io-threads", description = "Event loop threads [number of cores]")
  Integer ioThreads;

  @Override
  public Integer call() throws InterruptedException {
    NodeOptions.Builder b =
        NodeOptions.defaults(dataDir).toBuilder()
            .bindHost(bind)
            .ports(kvPort, kvTlsPort, mgmtPort, mgmtTlsPort)
            .admin(username, password)
            .unauthenticatedDefaultBucket(unauthenticatedDefaultBucket)
            .defaultBucketVBuckets(vbuckets)
            .tlsCertificate(tlsCertChain, tlsKey)
            .tlsEngine(tlsEngine);
    if (ioThreads != null) {
      b.ioThreads(ioThreads);
    }
    SetteeNode node = new SetteeNode(b.build());
    CountDownLatch stopped = new CountDownLatch(1);
    Thread shutdown =
        new Thread(
            () -> {
              node.close();
              stopped.countDown();
            },
            "settee-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    try {
      node.start();
    } catch (Exception e) { // Netty throws checked exceptions undeclared
      // What an operator needs is what went wrong and where (a full disk, a damaged store, a port
      // in use), in one line; the stack is for a developer, at debug level.
      LOG.error("cannot start: {}", causes(e));
      LOG.debug("start failed", e);
      try {
        Runtime.getRuntime().removeShutdownHook(shutdown); // nothing left to stop
      } catch (IllegalStateException exiting) {
        // the JVM is shutting down already: the hook is running or about to, harmlessly
      }
      return 1;
    }
    stopped.await();
    return 0;
  }

  /**
   * The exception's message followed by each cause's that says something new: "cannot write cluster
   * configuration /data/config/cluster.json: No space left on device".
   */
  static String causes(Throwable e) {
    StringBuilder line = new StringBuilder();
    java.util.Set<Throwable> seen =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (line.indexOf(message) < 0) {
        line.append(line.isEmpty() ? "" : ": ").append(message);
      }
    }
    return line.toString();
  }
}
