package org.settee.dcp;

import java.math.BigDecimal;
import org.settee.protocol.Status;

/**
 * A producer connection's DCP_CONTROL settings. Each key is answered as kv_engine's producer
 * answers it: accepted, EINVAL for an unknown key or a bad value, NOT_SUPPORTED for a feature
 * Settee does not serve (the official client fails the connection on any refusal of a control it
 * did not mark optional, so what it sends by default must be accepted).
 */
public final class DcpControls {
  /** kv_engine's connection manager ticks every 100 ms: a shorter noop interval is refused. */
  private static final long MIN_NOOP_INTERVAL_MILLIS = 100;

  // Set on the connection's loop; volatile so that the stats can read them from any thread.
  private volatile boolean noopEnabled;
  private volatile long noopIntervalMillis = 20_000;
  private volatile long bufferSize;
  private boolean streamEndOnClose;
  private boolean v7StatusCodes;
  private boolean expiryOpcode;

  /** The outcome of one control: a status and, for refusals, why. */
  public record Outcome(Status status, String reason) {
    static final Outcome OK = new Outcome(Status.SUCCESS, null);

    static Outcome invalid(String reason) {
      return new Outcome(Status.EINVAL, reason);
    }

    static Outcome unsupported(String reason) {
      return new Outcome(Status.NOT_SUPPORTED, reason);
    }
  }

  /**
   * Applies one control.
   *
   * @param snappy whether the connection negotiated Snappy (force_value_compression needs it)
   */
  public Outcome apply(String key, String value, OpenFlags flags, boolean snappy) {
    switch (key) {
      case "enable_noop" -> noopEnabled = "true".equals(value);
      case "set_noop_interval" -> {
        Long millis = seconds(value);
        if (millis == null || millis < MIN_NOOP_INTERVAL_MILLIS) {
          return Outcome.invalid("set_noop_interval must be a number of seconds >= 0.1: " + value);
        }
        noopIntervalMillis = millis;
      }
      case "connection_buffer_size" -> {
        try {
          long size = Long.parseLong(value);
          if (size < 0 || size > 0xFFFF_FFFFL) {
            return Outcome.invalid("connection_buffer_size out of range: " + value);
          }
          bufferSize = size;
        } catch (NumberFormatException e) {
          return Outcome.invalid("connection_buffer_size is not a number: " + value);
        }
      }
      case "stream_buffer_size" -> {
        return Outcome.unsupported("per-stream flow control is not supported");
      }
      case "set_priority" -> {
        if (!value.equals("high") && !value.equals("medium") && !value.equals("low")) {
          return Outcome.invalid("set_priority must be high, medium or low: " + value);
        }
      }
      case "supports_cursor_dropping",
          "supports_cursor_dropping_vulcan",
          "supports_hifi_MFU",
          "flatbuffers_system_events" -> {
        // Hints Settee may act on or not; kv accepts them.
      }
      case "send_stream_end_on_client_close_stream" -> {
        if ("true".equals(value)) {
          streamEndOnClose = true; // one way: it cannot be turned off again
        }
      }
      case "enable_expiry_opcode" -> {
        // kv accepts it, but only enables it with delete times (DCP_OPEN 0x20).
        expiryOpcode = "true".equals(value) && flags.includeDeleteTimes();
      }
      case "v7_dcp_status_codes" -> {
        if ("true".equals(value)) {
          v7StatusCodes = true;
        }
      }
      case "include_deleted_user_xattrs" -> {
        if (!flags.includeDeletedUserXattrs()) {
          return Outcome.invalid("include_deleted_user_xattrs needs DCP_OPEN flag 0x100");
        }
      }
      case "backfill_order" -> {
        if (!value.equals("round-robin") && !value.equals("sequential")) {
          return Outcome.invalid("backfill_order must be round-robin or sequential: " + value);
        }
      }
      case "force_value_compression" -> {
        if (!snappy) {
          return Outcome.invalid("force_value_compression needs Snappy negotiated with HELLO");
        }
        return Outcome.unsupported("Settee does not compress DCP values yet");
      }
      case "enable_stream_id" -> {
        return Outcome.unsupported("stream ids are not supported");
      }
      case "enable_sync_writes", "change_streams", "cache_transfer" -> {
        return Outcome.unsupported(key + " is not supported");
      }
      case "consumer_name" -> {
        return Outcome.invalid("consumer_name is for consumer connections");
      }
      case "enable_out_of_order_snapshots" -> {
        return Outcome.invalid("out-of-order snapshots are not supported");
      }
      case "max_marker_version" -> {
        return Outcome.invalid("snapshot marker v2.2 needs collections");
      }
      default -> {
        return Outcome.invalid("unknown DCP control " + key);
      }
    }
    return Outcome.OK;
  }

  private static Long seconds(String value) {
    try {
      BigDecimal s = new BigDecimal(value.trim());
      if (s.signum() < 0 || s.compareTo(BigDecimal.valueOf(86_400L * 365)) > 0) {
        return null;
      }
      return s.movePointRight(3).longValue();
    } catch (NumberFormatException e) {
      return null;
    }
  }

  public boolean noopEnabled() {
    return noopEnabled;
  }

  public long noopIntervalMillis() {
    return noopIntervalMillis;
  }

  public long bufferSize() {
    return bufferSize;
  }

  public boolean streamEndOnClose() {
    return streamEndOnClose;
  }

  public boolean v7StatusCodes() {
    return v7StatusCodes;
  }

  public boolean expiryOpcode() {
    return expiryOpcode;
  }
}
