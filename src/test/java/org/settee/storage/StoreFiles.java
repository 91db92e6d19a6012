package org.settee.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** RocksDB's files in a store's directory, by kind (".log" the write-ahead log, ".sst" tables). */
final class StoreFiles {
  private StoreFiles() {}

  static Stream<Path> ofKind(Path dir, String suffix) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix)).toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  static long bytes(Path dir, String suffix) {
    return ofKind(dir, suffix).mapToLong(p -> p.toFile().length()).sum();
  }
}
