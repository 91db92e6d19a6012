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

  @Test
  void aStartFailureIsOneLineWithEachCauseThatSaysSomethingNew() {
    assertThat(
            ServerCommand.causes(
                new java.io.UncheckedIOException(
                    "cannot write cluster configuration /d/cluster.json",
                    new java.io.IOException("No space left on device"))))
        .isEqualTo("cannot write cluster configuration /d/cluster.json: No space left on device");
    assertThat(ServerCommand.causes(new IllegalStateException(new java.io.IOException("boom"))))
        .as("a wrapper whose message is its cause's")
        .isEqualTo("java.io.IOException: boom");
    assertThat(ServerCommand.causes(new NullPointerException())).isEqualTo("NullPointerException");
  }
}
