package org.settee.bench;

/**
 * Counts and checks what one DCP connection's streams deliver, one stream per vBucket: every
 * mutation arrives once, in seqno order (the bench writes each key once, so a vBucket's seqnos run
 * 1, 2, 3, ... with no gap), inside a snapshot marker of the kind the phase is about (disk for a
 * backfill, memory for the checkpoint log), and every stream ends with STREAM_END(OK) at its end
 * seqno. Anything else fails the run: a figure must measure what its label says.
 *
 * <p>The clock can start late ({@link #startClockAfter}): bytes the producer queued before the
 * client began reading are then left out of the rate.
 */
final class StreamTally {
  /** Snapshot marker flags (dcp.md §4.4). */
  static final int MARKER_MEMORY = 0x01;

  static final int MARKER_DISK = 0x02;

  private final String phase;
  private final long[] endSeqno;
  private final long[] lastSeqno;
  private final long[] markerEnd;
  private final boolean[] ended;
  private final int markerKind;
  private int streamsOpen;
  private long items;
  private long payloadBytes;
  private long wireBytes;
  private long markers;

  private long clockAfterBytes = -1;
  private long startNanos;
  private long endNanos;
  private long itemsAtStart;
  private long payloadAtStart;
  private long wireAtStart;

  /**
   * @param endSeqno per vBucket, the last seqno its stream must deliver (0: nothing)
   * @param markerKind {@link #MARKER_DISK} or {@link #MARKER_MEMORY}: what every marker must be
   */
  StreamTally(String phase, long[] endSeqno, int markerKind) {
    this.phase = phase;
    this.endSeqno = endSeqno.clone();
    this.lastSeqno = new long[endSeqno.length];
    this.markerEnd = new long[endSeqno.length];
    this.ended = new boolean[endSeqno.length];
    this.markerKind = markerKind;
    this.streamsOpen = endSeqno.length;
  }

  /** Starts the clock now, with everything counted so far left out. */
  void startClock() {
    startNanos = System.nanoTime();
    itemsAtStart = items;
    payloadAtStart = payloadBytes;
    wireAtStart = wireBytes;
  }

  /**
   * Starts the clock once {@code bytes} have arrived (counted from now): those were queued before
   * the client read anything. If they never arrive, the clock runs from now and counts everything.
   */
  void startClockAfter(long bytes) {
    startClock();
    clockAfterBytes = wireBytes + bytes;
  }

  /** Per vBucket, the last seqno its stream must deliver. */
  long[] endSeqnos() {
    return endSeqno.clone();
  }

  boolean allEnded() {
    return streamsOpen == 0;
  }

  long items() {
    return items;
  }

  long markers() {
    return markers;
  }

  /** What arrived between the clock's start and the last stream's end. */
  Throughput measured() {
    return new Throughput(
        items - itemsAtStart,
        payloadBytes - payloadAtStart,
        wireBytes - wireAtStart,
        endNanos - startNanos);
  }

  void marker(int vb, long start, long end, int flags, int frameSize) {
    count(frameSize);
    open(vb, "a snapshot marker");
    if ((flags & markerKind) == 0) {
      throw fail(
          "vBucket %d: a %s snapshot marker [%d, %d] (flags 0x%x) where only %s markers belong",
          vb, kind(flags), start, end, flags, kind(markerKind));
    }
    if (start > lastSeqno[vb] + 1 || end < start) {
      throw fail("vBucket %d: marker [%d, %d] after seqno %d", vb, start, end, lastSeqno[vb]);
    }
    markerEnd[vb] = end;
    markers++;
  }

  void mutation(int vb, long seqno, int keyLength, int valueLength, int frameSize) {
    count(frameSize);
    open(vb, "a mutation");
    if (seqno != lastSeqno[vb] + 1) {
      throw fail(
          "vBucket %d: seqno %d after %d (each item must arrive once, in order)",
          vb, seqno, lastSeqno[vb]);
    }
    if (seqno > markerEnd[vb] || seqno > endSeqno[vb]) {
      throw fail(
          "vBucket %d: seqno %d outside its marker (up to %d) or past the stream's end %d",
          vb, seqno, markerEnd[vb], endSeqno[vb]);
    }
    lastSeqno[vb] = seqno;
    items++;
    payloadBytes += keyLength + valueLength;
  }

  void streamEnd(int vb, int reason, int frameSize) {
    count(frameSize);
    open(vb, "STREAM_END");
    if (reason != 0 || lastSeqno[vb] != endSeqno[vb]) {
      throw fail(
          "vBucket %d: STREAM_END reason %d at seqno %d, expected reason 0 (OK) at %d",
          vb, reason, lastSeqno[vb], endSeqno[vb]);
    }
    ended[vb] = true;
    if (--streamsOpen == 0) {
      endNanos = System.nanoTime();
    }
  }

  /** Anything else a producer sends (a deletion: the bench writes none). */
  void unexpected(int vb, int opcode) {
    throw fail("vBucket %d: unexpected opcode 0x%02x", vb, opcode);
  }

  private void count(int frameSize) {
    wireBytes += frameSize;
    if (clockAfterBytes >= 0 && wireBytes >= clockAfterBytes) {
      clockAfterBytes = -1;
      startClock();
    }
  }

  private void open(int vb, String what) {
    if (vb >= ended.length || ended[vb]) {
      throw fail("%s for vBucket %d, which has no open stream", what, vb);
    }
  }

  private static String kind(int flags) {
    return (flags & MARKER_DISK) != 0 ? "disk" : "memory";
  }

  private BenchFailure fail(String format, Object... args) {
    return new BenchFailure(phase + ": " + String.format(format, args));
  }
}
