package org.settee.command;

/** What a connection must have done before a command may run. */
public enum Access {
  /** Allowed before authentication: HELLO, SASL, GET_ERROR_MAP and the like. */
  ANYONE,
  /** Needs an authenticated identity (or the anonymous default-bucket mode). */
  AUTHENTICATED,
  /** Needs a selected bucket as well. */
  BUCKET
}
