package org.settee.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and atomically replaces the users file. Its format, by example:
 *
 * <pre>
 * {
 *   "version" : 1,
 *   "users" : [ {
 *     "name" : "app",
 *     "roles" : [ "bucket_full_access[travel]", "data_reader[beer:brewery]" ],
 *     "scram" : {
 *       "scram-sha-1" :   { "salt" : "&lt;base64&gt;", "iterations" : 15000,
 *                           "storedKey" : "&lt;base64&gt;", "serverKey" : "&lt;base64&gt;" },
 *       "scram-sha-256" : { ... },
 *       "scram-sha-512" : { ... }
 *     }
 *   } ]
 * }
 * </pre>
 *
 * No password is stored, nor anything from which a client proof can be computed without guessing
 * the password.
 */
final class UserFile {
  static final int VERSION = 1;

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private UserFile() {}

  /** The users in the file, by name; none if the file does not exist. */
  static Map<String, User> read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      throw UserStoreException.unreadable(file, e);
    }
    try {
      return parse(JSON.readTree(bytes));
    } catch (JsonProcessingException e) {
      throw UserStoreException.corrupt(file, "not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) { // reading from a byte array: only a decoding problem
      throw UserStoreException.corrupt(file, "not valid JSON: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw UserStoreException.corrupt(file, e.getMessage(), e);
    }
  }

  /**
   * Replaces the file so that a crash leaves either the old or the new content: write a temporary
   * file in the same directory, fsync it, rename it over the file, fsync the directory.
   */
  static void write(Path file, Collection<User> users) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      byte[] bytes = JSON.writeValueAsBytes(toJson(users));
      Files.createDirectories(dir);
      // On POSIX systems createTempFile makes the file readable by its owner only.
      tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
    } catch (IOException e) {
      throw UserStoreException.unwritable(file, e);
    } finally {
      deleteQuietly(tmp);
    }
    syncDirectory(dir);
  }

  // Makes the rename durable. Some platforms (Windows) cannot open a directory; the rename is
  // still atomic there, only its durability across a power cut is weaker.
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // best effort, see above
    }
  }

  private static void deleteQuietly(Path tmp) {
    if (tmp != null) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // a stray temporary file is harmless: it is never read
      }
    }
  }

  private static ObjectNode toJson(Collection<User> users) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", VERSION);
    ArrayNode array = root.putArray("users");
    List<User> sorted = new ArrayList<>(users);
    sorted.sort(Comparator.comparing(User::name)); // stable output, readable diffs
    Base64.Encoder b64 = Base64.getEncoder();
    for (User user : sorted) {
      ObjectNode u = array.addObject();
      u.put("name", user.name());
      ArrayNode roles = u.putArray("roles");
      user.roles().forEach(r -> roles.add(r.toString()));
      ObjectNode scram = u.putObject("scram");
      for (ScramHash hash : ScramHash.values()) {
        ScramCredential c = user.credentials().scram(hash);
        ObjectNode h = scram.putObject(hash.fileKey());
        h.put("salt", c.saltBase64());
        h.put("iterations", c.iterations());
        h.put("storedKey", b64.encodeToString(c.storedKey()));
        h.put("serverKey", b64.encodeToString(c.serverKey()));
      }
    }
    return root;
  }

  // Every problem becomes an IllegalArgumentException saying where it is.
  private static Map<String, User> parse(JsonNode root) {
    requireFields(root, "the top level", Set.of("version", "users"));
    JsonNode version = root.get("version");
    if (!version.isInt() || version.intValue() != VERSION) {
      throw new IllegalArgumentException(
          "unsupported version " + version + ", expected " + VERSION);
    }
    JsonNode users = root.get("users");
    if (!users.isArray()) {
      throw new IllegalArgumentException("\"users\" is not an array");
    }
    Map<String, User> byName = new LinkedHashMap<>();
    for (int i = 0; i < users.size(); i++) {
      String where = "users[" + i + "]";
      User user = parseUser(users.get(i), where);
      if (byName.put(user.name(), user) != null) {
        throw new IllegalArgumentException(where + ": duplicate user " + user.name());
      }
    }
    return byName;
  }

  private static User parseUser(JsonNode node, String where) {
    requireFields(node, where, Set.of("name", "roles", "scram"));
    String name = text(node.get("name"), where + ".name");
    where = where + " (" + name + ")";
    JsonNode rolesNode = node.get("roles");
    if (!rolesNode.isArray()) {
      throw new IllegalArgumentException(where + ".roles is not an array");
    }
    List<Role> roles = new ArrayList<>();
    for (JsonNode r : rolesNode) {
      String role = text(r, where + ".roles[]");
      try {
        roles.add(Role.parse(role));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ".roles: " + e.getMessage(), e);
      }
    }
    JsonNode scram = node.get("scram");
    Set<String> keys = new HashSet<>();
    for (ScramHash hash : ScramHash.values()) {
      keys.add(hash.fileKey());
    }
    requireFields(scram, where + ".scram", keys);
    Map<ScramHash, ScramCredential> byHash = new EnumMap<>(ScramHash.class);
    for (ScramHash hash : ScramHash.values()) {
      byHash.put(hash, parseCredential(hash, scram.get(hash.fileKey()), where));
    }
    try {
      return new User(name, roles, Credentials.of(byHash));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static ScramCredential parseCredential(ScramHash hash, JsonNode node, String where) {
    String at = where + ".scram." + hash.fileKey();
    requireFields(node, at, Set.of("salt", "iterations", "storedKey", "serverKey"));
    JsonNode iterations = node.get("iterations");
    if (!iterations.isInt()) {
      throw new IllegalArgumentException(at + ".iterations is not an integer");
    }
    try {
      return ScramCredential.of(
          hash,
          base64(node.get("salt"), at + ".salt"),
          iterations.intValue(),
          base64(node.get("storedKey"), at + ".storedKey"),
          base64(node.get("serverKey"), at + ".serverKey"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
    }
  }

  private static void requireFields(JsonNode node, String where, Set<String> fields) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(where + " is not a JSON object");
    }
    for (String f : fields) {
      if (!node.has(f)) {
        throw new IllegalArgumentException(where + " lacks \"" + f + "\"");
      }
    }
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!fields.contains(f)) {
                throw new IllegalArgumentException(where + " has unknown field \"" + f + "\"");
              }
            });
  }

  private static String text(JsonNode node, String where) {
    if (!node.isTextual()) {
      throw new IllegalArgumentException(where + " is not a string");
    }
    return node.textValue();
  }

  private static byte[] base64(JsonNode node, String where) {
    String text = text(node, where);
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + " is not base64", e);
    }
  }
}
