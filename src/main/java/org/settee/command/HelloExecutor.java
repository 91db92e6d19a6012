package org.settee.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.settee.protocol.Feature;
import org.settee.protocol.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HELLO: the client names itself and lists features; the answer lists those Settee enables. Each
 * HELLO replaces what was negotiated before; unknown features are ignored, never an error.
 */
final class HelloExecutor implements CommandExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(HelloExecutor.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_AGENT_LENGTH = 200;

  /** What Settee can honour today. Collections, XATTR and sync durability come later. */
  static final Set<Feature> SUPPORTED =
      EnumSet.of(
          Feature.TCPNODELAY,
          Feature.MUTATION_SEQNO,
          Feature.XERROR,
          Feature.SELECT_BUCKET,
          Feature.SNAPPY,
          Feature.JSON,
          Feature.DUPLEX,
          Feature.CLUSTERMAP_CHANGE_NOTIFICATION,
          Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF,
          Feature.UNORDERED_EXECUTION,
          Feature.ALT_REQUEST_SUPPORT,
          Feature.PRESERVE_TTL,
          Feature.GET_CLUSTER_CONFIG_WITH_KNOWN_VERSION,
          Feature.DEDUPE_NOT_MY_VBUCKET_CLUSTERMAP);

  @Override
  public void execute(Cookie cookie) {
    cookie.expectExtras(0);
    var request = cookie.request();
    if (request.valueLength() % 2 != 0) {
      throw CommandException.invalid("HELLO features must be 16-bit codes");
    }
    Set<Feature> asked = new LinkedHashSet<>();
    var value = request.value();
    while (value.isReadable()) {
      Feature f = Feature.of(value.readUnsignedShort());
      if (f != null && SUPPORTED.contains(f)) {
        asked.add(f);
      }
    }
    if (!asked.contains(Feature.DUPLEX)
        && (asked.contains(Feature.CLUSTERMAP_CHANGE_NOTIFICATION)
            || asked.contains(Feature.CLUSTERMAP_CHANGE_NOTIFICATION_BRIEF))) {
      throw CommandException.invalid("ClustermapChangeNotification needs Duplex");
    }
    String agent = agentName(request.key());
    var connection = cookie.connection();
    connection.negotiated(
        asked.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(asked), agent);
    LOG.debug("conn {}: HELLO from '{}' enabled {}", connection.id(), agent, asked);
    byte[] enabled = new byte[asked.size() * 2];
    int i = 0;
    for (Feature f : asked) {
      enabled[i++] = (byte) (f.code() >>> 8);
      enabled[i++] = (byte) f.code();
    }
    cookie.respond(Status.SUCCESS, 0, 0, new byte[0], new byte[0], enabled);
  }

  /** The agent: the SDK sends JSON {"a": agent, "i": connection id}, others a plain name. */
  private static String agentName(byte[] key) {
    String text = new String(key, StandardCharsets.UTF_8);
    if (text.startsWith("{")) {
      try {
        JsonNode node = JSON.readTree(text);
        if (node.hasNonNull("a")) {
          text = node.get("a").asText();
        }
      } catch (java.io.IOException ignored) {
        // not JSON after all: keep it as a plain name
      }
    }
    return text.length() > MAX_AGENT_LENGTH ? text.substring(0, MAX_AGENT_LENGTH) : text;
  }
}
