package org.settee.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.net.TlsEngine;
import org.settee.testing.LogWatch;
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

  @Test
  void aPortInUseStopsTheStartWithOneLineNamingTheAddress(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        LogWatch log = LogWatch.warnings()) {
      int port = taken.getLocalPort();
      int exit =
          new CommandLine(new SetteeCli())
              .execute(
                  "server",
                  "--data-dir",
                  dir.toString(),
                  "--bind",
                  "127.0.0.1",
                  "--kv-port",
                  Integer.toString(port),
                  "--mgmt-port",
                  "0",
                  "--kv-tls-port",
                  "0",
                  "--mgmt-tls-port",
                  "0",
                  "--vbuckets",
                  "16");
      assertThat(exit).isEqualTo(1);
      assertThat(log.unexpected())
          .filteredOn(l -> l.contains("cannot start"))
          .singleElement()
          .satisfies(
              l ->
                  assertThat(l)
                      .contains("cannot listen for KV on 127.0.0.1:" + port)
                      .contains("Address already in use"));
    }
  }
}
