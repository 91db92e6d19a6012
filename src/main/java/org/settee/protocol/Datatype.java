package org.settee.protocol;

/** Bits of the header's datatype byte. A bit may only be sent to a client that negotiated it. */
public final class Datatype {
  public static final int RAW = 0x00;
  public static final int JSON = 0x01;
  public static final int SNAPPY = 0x02;
  public static final int XATTR = 0x04;
  public static final int ALL = JSON | SNAPPY | XATTR;

  private Datatype() {}
}
