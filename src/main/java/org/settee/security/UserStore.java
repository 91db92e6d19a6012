package org.settee.security;

import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The local users, optionally persisted to a JSON file. Reads are lock-free (an immutable snapshot
 * behind a volatile field, so event loops never wait); writes are serialized, reach the file before
 * they become visible, and leave the store unchanged if the file cannot be written.
 */
public final class UserStore {
  /** ns_server's default SCRAM iteration count (DEFAULT_SCRAM_ITER). */
  public static final int DEFAULT_SCRAM_ITERATIONS = 15_000;

  private final Path file; // null: in memory only
  private final int scramIterations;
  private final Object writeLock = new Object();
  private volatile Map<String, User> users;

  private UserStore(Path file, int scramIterations, Map<String, User> users) {
    if (scramIterations < ScramCredential.MIN_ITERATIONS) {
      throw new IllegalArgumentException(
          "SCRAM iterations must be >= "
              + ScramCredential.MIN_ITERATIONS
              + ", got "
              + scramIterations);
    }
    this.file = file;
    this.scramIterations = scramIterations;
    this.users = Map.copyOf(users);
  }

  /**
   * Opens the store kept in {@code file}, loading it if it exists. The file is only written when
   * the users change.
   *
   * @param scramIterations PBKDF2 iterations for passwords set from now on (existing users keep
   *     theirs until their password changes)
   * @throws UserStoreException if the file cannot be read or is corrupt; it is left untouched
   */
  public static UserStore open(Path file, int scramIterations) {
    return new UserStore(file, scramIterations, UserFile.read(file));
  }

  /** A store that lives in memory only. */
  public static UserStore inMemory(int scramIterations) {
    return new UserStore(null, scramIterations, Map.of());
  }

  /** The user with this name, or null if there is none. */
  public User get(String name) {
    return name == null ? null : users.get(name);
  }

  /** A snapshot of all users. */
  public Collection<User> users() {
    return users.values();
  }

  /** The iteration count given to new passwords, and shown for users that do not exist. */
  public int scramIterations() {
    return scramIterations;
  }

  /**
   * Creates the user or replaces its password and roles, with fresh salts.
   *
   * @throws IllegalArgumentException if the name or password is unacceptable
   * @throws UserStoreException if the file cannot be written; nothing changes then
   */
  public User upsert(String name, String password, List<Role> roles) {
    User.checkName(name);
    // Hundreds of milliseconds of PBKDF2 at most: done before taking the lock.
    User user = new User(name, roles, Credentials.derive(password, scramIterations));
    return put(user);
  }

  /**
   * Replaces the roles of an existing user, keeping its password.
   *
   * @return the updated user, or null if there is no such user
   */
  public User setRoles(String name, List<Role> roles) {
    synchronized (writeLock) {
      User current = users.get(name);
      if (current == null) {
        return null;
      }
      return commitPut(current.withRoles(roles));
    }
  }

  /** Removes the user; returns false if there was none. */
  public boolean delete(String name) {
    synchronized (writeLock) {
      if (name == null || !users.containsKey(name)) {
        return false;
      }
      Map<String, User> next = new HashMap<>(users);
      next.remove(name);
      commit(next);
      return true;
    }
  }

  /**
   * Checks a clear-text password (SASL PLAIN, HTTP Basic). An unknown user costs the same PBKDF2
   * run as a known one, so the time taken does not tell which names exist. That run is CPU-bound
   * and proportional to the iteration count (about 15 ms at 15000 on a laptop core), which a caller
   * on an event loop may prefer to hand to another executor.
   *
   * @return the user, or null if the name or password is wrong
   */
  public User authenticatePlain(String name, String password) {
    if (name == null || password == null) {
      return null;
    }
    User user = users.get(name);
    if (user == null) {
      UnknownUsers.credential(ScramHash.SHA512, name, scramIterations).matchesPassword(password);
      return null;
    }
    return user.credentials().matchesPassword(password) ? user : null;
  }

  /** Adds or replaces a user built elsewhere (tests use it to fix salts). */
  User put(User user) {
    synchronized (writeLock) {
      return commitPut(user);
    }
  }

  private User commitPut(User user) {
    Map<String, User> next = new HashMap<>(users);
    next.put(user.name(), user);
    commit(next);
    return user;
  }

  // Disk first: if the write fails the exception propagates and readers never see the change.
  private void commit(Map<String, User> next) {
    if (file != null) {
      UserFile.write(file, next.values());
    }
    users = Map.copyOf(next);
  }

  @Override
  public String toString() {
    return "UserStore[" + (file == null ? "in memory" : file) + ", " + users.size() + " users]";
  }
}
