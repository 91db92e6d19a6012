package org.settee.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.settee.kv.BucketSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where couchbase buckets keep their files: one directory per bucket under the node's {@code
 * buckets} directory, named after the bucket and its UUID, so that a bucket created again under an
 * old name never opens the files of the one it replaces.
 */
public final class BucketDirectories {
  private static final Logger LOG = LoggerFactory.getLogger(BucketDirectories.class);

  /** A bucket name (letters, digits, {@code . _ % -}), a dash and a UUID of 32 hex digits. */
  private static final Pattern BUCKET_DIRECTORY = Pattern.compile("[A-Za-z0-9._%-]+-[0-9a-f]{32}");

  private final Path root;

  public BucketDirectories(Path dataDir) {
    this.root = dataDir.resolve("buckets");
  }

  public Path of(BucketSettings bucket) {
    return root.resolve(bucket.name() + "-" + bucket.uuid());
  }

  /**
   * Refuses a data directory that holds bucket files when there is no configuration ({@code
   * configuration}) to say which buckets they are. A node writes its configuration before the first
   * bucket's files, so such files mean a configuration lost or removed by hand: a start would make
   * a new, empty {@code default} bucket next to them, and a later start would delete them as
   * unowned.
   *
   * @throws IllegalStateException naming what was found and what to do
   */
  public void requireNone(Path configuration) {
    List<Path> found = bucketDirectories().toList();
    if (!found.isEmpty()) {
      throw new IllegalStateException(
          "the data directory holds bucket files ("
              + found.stream()
                  .map(d -> d.getFileName().toString())
                  .collect(Collectors.joining(", "))
              + " in "
              + root
              + ") but no "
              + configuration
              + " to say which buckets they are: restore that file, or move the bucket files away");
    }
  }

  /**
   * Deletes the bucket directories that none of {@code configured} owns, and says so, one line
   * each. A crash between recording a bucket's deletion and deleting its files leaves them behind
   * (the record comes first, so that a failed write deletes nothing), as does one between a
   * create's first files and its record; nothing would ever open them again (a bucket created again
   * under the same name has a new UUID). Anything that does not look like a bucket directory is
   * left alone.
   */
  public void deleteUnowned(Collection<BucketSettings> configured) {
    Set<Path> owned = configured.stream().map(this::of).collect(Collectors.toSet());
    List<Path> unowned;
    try {
      unowned = bucketDirectories().filter(d -> !owned.contains(d)).toList();
    } catch (UncheckedIOException e) {
      LOG.warn("cannot look for files of deleted buckets: {}", e.getMessage());
      return;
    }
    for (Path dir : unowned) {
      try {
        BucketStorage.deleteRecursively(dir);
        LOG.warn(
            "deleted {}: no bucket in the configuration owns it (the files of a bucket whose"
                + " deletion or creation a crash interrupted)",
            dir);
      } catch (UncheckedIOException e) {
        LOG.warn(
            "cannot delete {}, which no bucket in the configuration owns: {}",
            dir,
            e.getCause().toString());
      }
    }
  }

  /** The directories under {@code buckets} named as a bucket's would be, sorted. */
  private Stream<Path> bucketDirectories() {
    if (!Files.isDirectory(root)) {
      return Stream.empty();
    }
    try (Stream<Path> entries = Files.list(root)) {
      return entries
          .filter(Files::isDirectory)
          .filter(d -> BUCKET_DIRECTORY.matcher(d.getFileName().toString()).matches())
          .sorted()
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    }
  }
}
