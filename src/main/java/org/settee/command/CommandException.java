package org.settee.command;

import org.settee.protocol.Status;

/**
 * A request that cannot be executed as sent: carries the status to answer and a context that XERROR
 * clients see in the error body. Thrown only before anything was changed.
 */
public final class CommandException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Status status;

  public CommandException(Status status, String context) {
    super(context, null, false, false);
    this.status = status;
  }

  public static CommandException invalid(String context) {
    return new CommandException(Status.EINVAL, context);
  }

  public Status status() {
    return status;
  }
}
