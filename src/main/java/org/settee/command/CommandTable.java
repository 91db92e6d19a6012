package org.settee.command;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import org.settee.protocol.Opcode;
import org.settee.security.Privilege;

/**
 * Which executor runs each opcode, and what the connection needs first: the dispatch switch as
 * data. An opcode without an entry is answered UNKNOWN_COMMAND.
 */
public final class CommandTable {
  /** One opcode's entry; its privileges are all checked against the selected bucket, if any. */
  public record Entry(Access access, Set<Privilege> privileges, CommandExecutor executor) {}

  private final Map<Opcode, Entry> entries = new EnumMap<>(Opcode.class);

  /** Registers an executor for opcodes (a quiet opcode and its loud twin usually share one). */
  public CommandTable register(
      Access access, Set<Privilege> privileges, CommandExecutor executor, Opcode... opcodes) {
    for (Opcode op : opcodes) {
      if (entries.putIfAbsent(op, new Entry(access, Set.copyOf(privileges), executor)) != null) {
        throw new IllegalStateException("opcode registered twice: " + op);
      }
    }
    return this;
  }

  /** The entry for an opcode, or null. */
  public Entry get(Opcode opcode) {
    return opcode == null ? null : entries.get(opcode);
  }
}
