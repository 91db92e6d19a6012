package org.settee.bench;

/**
 * What one measured pass moved: items, their payload (key and value bytes), the bytes on the wire
 * (zero for a pass without one) and the time it took.
 */
public record Throughput(long items, long payloadBytes, long wireBytes, long nanos) {
  /** Two passes as one: their items, bytes and times added. */
  public Throughput plus(Throughput other) {
    return new Throughput(
        items + other.items,
        payloadBytes + other.payloadBytes,
        wireBytes + other.wireBytes,
        nanos + other.nanos);
  }

  public double seconds() {
    return nanos / 1e9;
  }

  public double itemsPerSecond() {
    return nanos == 0 ? 0 : items / seconds();
  }

  /** Payload megabytes (10^6 bytes) per second. */
  public double payloadMBPerSecond() {
    return nanos == 0 ? 0 : payloadBytes / 1e6 / seconds();
  }

  /** Wire megabytes (10^6 bytes) per second. */
  public double wireMBPerSecond() {
    return nanos == 0 ? 0 : wireBytes / 1e6 / seconds();
  }
}
