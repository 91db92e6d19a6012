package org.settee.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.settee.protocol.Datatype;
import org.settee.protocol.Status;

/**
 * GET_ERROR_MAP: the table of status codes with the attributes that tell a client what to do with
 * one it does not know. Built once from {@link Status}.
 */
final class ErrorMapExecutor implements CommandExecutor {
  static final int VERSION = 2;
  private final byte[] errorMap = build();

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0);
    cookie.expectNoKey();
    if (cookie.request().valueLength() != 2) {
      throw CommandException.invalid("GET_ERROR_MAP takes a 16-bit version");
    }
    int version = cookie.request().value().getUnsignedShort(0);
    if (version == 0) {
      throw new CommandException(Status.KEY_ENOENT, "no error map version 0");
    }
    // Versions 1 and 2 differ only in attributes Settee does not use yet.
    cookie.respond(Status.SUCCESS, 0, Datatype.JSON, new byte[0], new byte[0], errorMap);
  }

  private static byte[] build() {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("version", VERSION);
    root.put("revision", 1);
    ObjectNode errors = root.putObject("errors");
    for (Status s : Status.values()) {
      ObjectNode e = errors.putObject(Integer.toHexString(s.code()).toLowerCase(Locale.ROOT));
      e.put("name", s.name());
      e.put("desc", s.description());
      var attrs = e.putArray("attrs");
      s.errorMapAttributes().forEach(attrs::add);
    }
    try {
      return mapper.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
