package org.settee.bench;

import java.util.EnumSet;
import java.util.Set;

/** A bench connection's lifecycle, driven by the runner, one step for the whole run at a time. */
enum Phase {
  /** TCP connect under way; nothing sent. */
  CONNECTING,
  /** SASL_AUTH and SELECT_BUCKET sent back to back; their answers come in order. */
  HANDSHAKING,
  /** Ready for the runner's next step; nothing in flight. */
  IDLE,
  /** SETting this connection's share of the keys once, pipeline deep; not measured. */
  POPULATING,
  /** Random GETs and SETs, pipeline deep, not measured. */
  WARMING_UP,
  /** Random GETs and SETs, pipeline deep; requests sent in this phase are measured. */
  MEASURING,
  /** Nothing more is sent; the answers still in flight are awaited (and counted if measured). */
  DRAINING,
  /** Everything sent was answered: the stats are final. */
  FINISHED,
  /** The connection failed (refused, closed, garbage, handshake refused): the run is over. */
  FAILED;

  /** The phases this one may move to. */
  Set<Phase> next() {
    return switch (this) {
      case CONNECTING -> EnumSet.of(HANDSHAKING, IDLE, FAILED);
      case HANDSHAKING, POPULATING -> EnumSet.of(IDLE, FAILED);
      case IDLE -> EnumSet.of(POPULATING, WARMING_UP, MEASURING, FAILED);
      case WARMING_UP -> EnumSet.of(MEASURING, FAILED);
      case MEASURING -> EnumSet.of(DRAINING, FAILED);
      case DRAINING -> EnumSet.of(FINISHED, FAILED);
      case FINISHED, FAILED -> EnumSet.noneOf(Phase.class);
    };
  }

  /** Whether requests sent in this phase are random GETs and SETs. */
  boolean sendsLoad() {
    return this == WARMING_UP || this == MEASURING;
  }
}
