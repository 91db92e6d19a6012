package org.settee.net;

/** Which TLS implementation the listeners use. */
public enum TlsEngine {
  /** BoringSSL (netty-tcnative) when it loads on this platform, else the JDK's. */
  AUTO,
  /** BoringSSL through netty-tcnative; start fails when it cannot load. */
  OPENSSL,
  /** The JDK's SSLEngine. */
  JDK
}
