package org.settee;

/** Settee's version: dotted X.Y.Z, as VERSION answers it (the DCP client refuses anything else). */
public final class SetteeVersion {
  public static final String VERSION = "7.6.0";

  private SetteeVersion() {}
}
