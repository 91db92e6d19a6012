package org.settee.net;

import java.util.EnumSet;
import java.util.Set;

/** A KV connection's lifecycle. Once CLOSING, no request is executed. */
public enum ConnectionState {
  /** TCP accepted; only HELLO, SASL and GET_ERROR_MAP are allowed. */
  ACCEPTED,
  /** SASL succeeded (or the node lets anonymous clients use the default bucket). */
  AUTHENTICATED,
  /** A bucket is selected: data commands run against it. */
  BUCKET_SELECTED,
  /** Close was asked: nothing more is executed; the channel is being closed. */
  CLOSING,
  /** The channel is closed. */
  CLOSED;

  /** The states each state may move to. Re-authentication moves back to AUTHENTICATED. */
  Set<ConnectionState> next() {
    return switch (this) {
      case ACCEPTED -> EnumSet.of(AUTHENTICATED, BUCKET_SELECTED, CLOSING);
      case AUTHENTICATED, BUCKET_SELECTED ->
          EnumSet.of(ACCEPTED, AUTHENTICATED, BUCKET_SELECTED, CLOSING);
      case CLOSING -> EnumSet.of(CLOSED);
      case CLOSED -> EnumSet.noneOf(ConnectionState.class);
    };
  }

  public boolean isAuthenticated() {
    return this == AUTHENTICATED || this == BUCKET_SELECTED;
  }
}
