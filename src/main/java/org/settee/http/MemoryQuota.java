package org.settee.http;

import java.util.Collection;
import org.settee.kv.Bucket;

/**
 * The node's memory quota for buckets (ns_server's {@code memoryQuota}, in MiB): bucket creation
 * and quota increases are refused when the buckets' quotas would add up to more.
 *
 * @param nodeMb the quota, in MiB
 */
record MemoryQuota(long nodeMb) {
  static final long MIB = 1024 * 1024;

  /** Buckets live in the Java heap, so the heap bounds what they may be promised. */
  static MemoryQuota ofHeap() {
    long max = Runtime.getRuntime().maxMemory();
    long mb = max == Long.MAX_VALUE ? 1024 : max / MIB;
    return new MemoryQuota(Math.max(mb, 256));
  }

  /** The quota the buckets hold, in MiB, leaving out the bucket named {@code except} (or null). */
  static long allocatedMb(Collection<Bucket> buckets, String except) {
    long sum = 0;
    for (Bucket b : buckets) {
      if (!b.name().equals(except)) {
        sum += b.settings().ramQuotaMb();
      }
    }
    return sum;
  }
}
