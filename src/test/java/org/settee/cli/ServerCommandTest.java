package org.settee.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.settee.net.TlsEngine;
import picocli.CommandLine;

/** {@code settee server} options that need no running server to check. */
class ServerCommandTest {
  @Test
  void theTlsEngineDefaultsToAutoAndCanBeChosen() {
    ServerCommand defaults = new ServerCommand();
    new CommandLine(defaults).parseArgs();
    assertThat(defaults.tlsEngine).isEqualTo(TlsEngine.AUTO);
    ServerCommand jdk = new ServerCommand();
    new CommandLine(jdk).parseArgs("--tls-engine", "JDK");
    assertThat(jdk.tlsEngine).isEqualTo(TlsEngine.JDK);
  }
}
