package org.settee.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.settee.util.AtomicFiles;

/**
 * What Couchbase shows about a local user beyond its roles, which the users file has no place for:
 * the display name and when the password was last set. Kept beside it in {@code
 * <data-dir>/config/user-profiles.json}, replaced atomically on every change:
 *
 * <pre>
 * {"version":1,"users":{"app":{"name":"The App","passwordChangeDate":"2024-05-01T10:00:00.000Z"}}}
 * </pre>
 *
 * A user made elsewhere (the first administrator, tests) simply has no profile: an empty name and
 * no password date.
 */
final class UserProfiles {
  static final int VERSION = 1;

  /**
   * @param passwordChangeDate ISO-8601, or null when unknown
   */
  record Profile(String displayName, String passwordChangeDate) {
    static final Profile NONE = new Profile("", null);
  }

  private final Path file;
  private volatile Map<String, Profile> profiles;

  private UserProfiles(Path file, Map<String, Profile> profiles) {
    this.file = file;
    this.profiles = Map.copyOf(profiles);
  }

  /** Loads the profiles; a file that cannot be read stops the node rather than lose names. */
  static UserProfiles open(Path file) {
    Map<String, Profile> loaded = new HashMap<>();
    if (Files.exists(file)) {
      try {
        JsonNode root = Json.MAPPER.readTree(file.toFile());
        if (root == null || root.path("version").asInt(-1) != VERSION) {
          throw new IllegalStateException("unsupported version in " + file);
        }
        root.path("users")
            .properties()
            .forEach(
                e ->
                    loaded.put(
                        e.getKey(),
                        new Profile(
                            e.getValue().path("name").asText(""),
                            e.getValue().hasNonNull("passwordChangeDate")
                                ? e.getValue().get("passwordChangeDate").asText()
                                : null)));
      } catch (IOException e) {
        throw new IllegalStateException("cannot read user profiles " + file + ": " + e, e);
      }
    }
    return new UserProfiles(file, loaded);
  }

  Profile get(String user) {
    return profiles.getOrDefault(user, Profile.NONE);
  }

  synchronized void put(String user, Profile profile) {
    Map<String, Profile> next = new HashMap<>(profiles);
    next.put(user, profile);
    commit(next);
  }

  synchronized void remove(String user) {
    if (profiles.containsKey(user)) {
      Map<String, Profile> next = new HashMap<>(profiles);
      next.remove(user);
      commit(next);
    }
  }

  // Disk first: readers never see a profile that a crash would lose.
  private void commit(Map<String, Profile> next) {
    ObjectNode root = Json.object();
    root.put("version", VERSION);
    ObjectNode users = root.putObject("users");
    new TreeMap<>(next)
        .forEach(
            (name, p) -> {
              ObjectNode u = users.putObject(name);
              u.put("name", p.displayName());
              if (p.passwordChangeDate() != null) {
                u.put("passwordChangeDate", p.passwordChangeDate());
              }
            });
    try {
      AtomicFiles.write(file, Json.bytes(root));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write user profiles " + file, e);
    }
    profiles = Map.copyOf(next);
  }
}
