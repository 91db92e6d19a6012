package org.settee.kv;

/**
 * How a store treats an existing document: SET any, ADD only a new one, REPLACE only an old one.
 */
public enum StoreMode {
  SET,
  ADD,
  REPLACE
}
