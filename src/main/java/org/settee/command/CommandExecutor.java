package org.settee.command;

/** Executes one kind of request; registered against its opcodes in the {@link CommandTable}. */
@FunctionalInterface
public interface CommandExecutor {
  void execute(Cookie cookie);
}
