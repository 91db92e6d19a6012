package org.settee.bench;

import java.time.Duration;

/**
 * What one {@code settee bench} run does: where it connects, how hard it pushes and for how long.
 * Checked on construction, so a runner never starts with settings it cannot honour.
 *
 * @param connections TCP connections, spread over one event loop per core
 * @param pipeline requests each connection keeps in flight
 * @param getRatio share of GETs among the timed operations; the rest are SETs
 * @param valueSize bytes of each SET's (random) value
 * @param keys key space size: keys are {@code key-0} .. {@code key-<keys-1>}, chosen uniformly
 * @param duration how long the timed run issues requests (ignored when {@code ops} is positive)
 * @param ops total timed operations over all connections; 0 runs for {@code duration} instead
 * @param username SASL PLAIN user, or null for no authentication (stock memcached)
 * @param password SASL PLAIN password (null counts as empty); only with a username
 * @param bucket bucket to select after authentication, or null to select none
 * @param vbuckets the bucket's vBucket count (a power of two), or 0 to send vBucket 0 always
 * @param populate whether to SET every key once before the run, so that GETs hit
 * @param warmup how long to issue unmeasured requests before the timed run
 * @param tls how to speak TLS to the server, or null for plain TCP
 */
public record BenchConfig(
    String host,
    int port,
    int connections,
    int pipeline,
    double getRatio,
    int valueSize,
    long keys,
    Duration duration,
    long ops,
    String username,
    String password,
    String bucket,
    int vbuckets,
    boolean populate,
    Duration warmup,
    BenchTls tls) {
  /** Larger pipelines only queue in the server's socket buffers; the cap catches typos. */
  public static final int MAX_PIPELINE = 65_536;

  /** Couchbase's default item size limit. */
  public static final int MAX_VALUE_SIZE = 20 * 1024 * 1024;

  /** The header's vBucket field is a u16. */
  public static final int MAX_VBUCKETS = 65_536;

  public BenchConfig {
    require(host != null && !host.isBlank(), "--host must not be empty");
    require(port > 0 && port <= 0xffff, "--port must be in 1..65535, not " + port);
    require(connections > 0, "--connections must be positive, not " + connections);
    require(
        pipeline > 0 && pipeline <= MAX_PIPELINE,
        "--pipeline must be in 1.." + MAX_PIPELINE + ", not " + pipeline);
    require(getRatio >= 0 && getRatio <= 1, "--get-ratio must be in 0..1, not " + getRatio);
    require(
        valueSize >= 0 && valueSize <= MAX_VALUE_SIZE,
        "--value-size must be in 0.." + MAX_VALUE_SIZE + ", not " + valueSize);
    require(keys > 0, "--keys must be positive, not " + keys);
    require(ops >= 0, "--ops must not be negative, not " + ops);
    require(
        ops > 0 || (duration != null && duration.compareTo(Duration.ZERO) > 0),
        "--duration must be positive when --ops is not given");
    require(
        vbuckets >= 0 && vbuckets <= MAX_VBUCKETS && Integer.bitCount(vbuckets) <= 1,
        "--vbuckets must be 0 or a power of two up to " + MAX_VBUCKETS + ", not " + vbuckets);
    require(username != null || password == null, "--password needs --username");
    require(warmup != null && !warmup.isNegative(), "--warmup must not be negative");
    if (bucket != null && bucket.isEmpty()) {
      bucket = null;
    }
  }

  /** A run over plain TCP. */
  public BenchConfig(
      String host,
      int port,
      int connections,
      int pipeline,
      double getRatio,
      int valueSize,
      long keys,
      Duration duration,
      long ops,
      String username,
      String password,
      String bucket,
      int vbuckets,
      boolean populate,
      Duration warmup) {
    this(
        host,
        port,
        connections,
        pipeline,
        getRatio,
        valueSize,
        keys,
        duration,
        ops,
        username,
        password,
        bucket,
        vbuckets,
        populate,
        warmup,
        null);
  }

  /** Whether the run is bounded by an operation count rather than by time. */
  public boolean countsOps() {
    return ops > 0;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
