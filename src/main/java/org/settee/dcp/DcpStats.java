package org.settee.dcp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code stats dcp}: the bucket's DCP connections and their streams, named as kv_engine names them
 * ({@code ep_dcp_*} totals, then {@code eq_dcpq:<connection>:<stat>}), so that tools written for
 * {@code cbstats dcp} find what they look for. Read from any thread: each producer publishes its
 * figures from its own loop.
 */
public final class DcpStats {
  private DcpStats() {}

  /** The stats of {@code bucket}'s producers, in a stable order (totals first). */
  public static Map<String, String> of(DcpConnections connections, String bucket) {
    List<DcpProducer> producers =
        connections.all().stream().filter(p -> p.bucket().name().equals(bucket)).toList();
    Map<String, String> out = new LinkedHashMap<>();
    long items = 0;
    long bytes = 0;
    Map<String, String> perConnection = new LinkedHashMap<>();
    for (DcpProducer p : producers) {
      DcpProducer.Stats s = p.stats();
      items += s.itemsSent();
      bytes += s.bytesSent();
      connection(p, s, perConnection);
    }
    out.put("ep_dcp_count", Integer.toString(producers.size()));
    out.put("ep_dcp_producer_count", Integer.toString(producers.size()));
    out.put("ep_dcp_items_sent", Long.toString(items));
    out.put("ep_dcp_total_bytes", Long.toString(bytes));
    out.putAll(perConnection);
    return out;
  }

  private static void connection(DcpProducer p, DcpProducer.Stats s, Map<String, String> out) {
    String prefix = "eq_dcpq:" + p.name() + ":";
    long buffer = p.controls().bufferSize();
    out.put(prefix + "type", "producer");
    out.put(prefix + "created", Long.toString(s.createdSeconds()));
    out.put(prefix + "flow_control", buffer > 0 ? "enabled" : "disabled");
    out.put(prefix + "max_buffer_bytes", Long.toString(buffer));
    out.put(prefix + "unacked_bytes", Long.toString(s.unacked()));
    out.put(prefix + "paused", Boolean.toString(buffer > 0 && s.unacked() >= buffer));
    out.put(prefix + "items_sent", Long.toString(s.itemsSent()));
    out.put(prefix + "total_bytes_sent", Long.toString(s.bytesSent()));
    out.put(prefix + "noop_enabled", Boolean.toString(p.controls().noopEnabled()));
    out.put(prefix + "noop_interval", Long.toString(p.controls().noopIntervalMillis() / 1000));
    out.put(prefix + "backfill_num_active", Integer.toString(s.backfills()));
    out.put(prefix + "backfill_num_pending", Integer.toString(s.queuedBackfills()));
    out.put(prefix + "num_streams", Integer.toString(s.streams().size()));
    for (ActiveStream stream : s.streams()) {
      String st = prefix + "stream_" + stream.vb() + "_";
      out.put(st + "opaque", Integer.toString(stream.opaque()));
      out.put(st + "state", stateName(stream.state()));
      out.put(st + "start_seqno", Long.toString(stream.startSeqno()));
      out.put(st + "end_seqno", endSeqno(stream.endSeqno()));
      out.put(st + "last_sent_seqno", Long.toString(stream.sentSeqno()));
    }
  }

  /** A stream to "forever" runs to Long.MAX_VALUE here; the client asked for 2^64-1. */
  private static String endSeqno(long end) {
    return end == Long.MAX_VALUE ? Long.toUnsignedString(-1L) : Long.toString(end);
  }

  /** kv_engine's names: pending, backfilling, in-memory, dead. */
  private static String stateName(ActiveStream.State state) {
    return state.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
