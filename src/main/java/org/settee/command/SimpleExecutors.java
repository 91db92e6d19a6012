package org.settee.command;

import java.nio.charset.StandardCharsets;
import org.settee.SetteeVersion;
import org.settee.protocol.Opcode;
import org.settee.protocol.Status;

/** The commands with nothing to decide: NOOP, VERSION, QUIT. */
final class SimpleExecutors {
  private SimpleExecutors() {}

  static final CommandExecutor NOOP =
      cookie -> {
        cookie.expectExtras(0);
        cookie.success(0);
      };

  static final CommandExecutor VERSION =
      cookie ->
          cookie.respond(
              Status.SUCCESS,
              0,
              0,
              new byte[0],
              new byte[0],
              SetteeVersion.VERSION.getBytes(StandardCharsets.US_ASCII));

  /** QUIT answers then closes; QUITQ just closes. */
  static final CommandExecutor QUIT =
      cookie -> {
        if (cookie.request().opcode() == Opcode.QUIT) {
          cookie.success(0);
        }
        cookie.connection().close("client sent QUIT");
      };
}
