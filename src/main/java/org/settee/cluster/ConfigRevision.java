package org.settee.cluster;

/**
 * The version of the cluster configuration: (epoch, rev), compared in that order. Clients apply a
 * configuration only when its version is strictly newer than the one they hold.
 */
public record ConfigRevision(long epoch, long rev) implements Comparable<ConfigRevision> {
  /** Older than anything a node publishes: what a connection has seen before any config. */
  public static final ConfigRevision NONE = new ConfigRevision(Long.MIN_VALUE, Long.MIN_VALUE);

  @Override
  public int compareTo(ConfigRevision o) {
    int byEpoch = Long.compare(epoch, o.epoch);
    return byEpoch != 0 ? byEpoch : Long.compare(rev, o.rev);
  }

  public boolean isNewerThan(ConfigRevision o) {
    return compareTo(o) > 0;
  }
}
