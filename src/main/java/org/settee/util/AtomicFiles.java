package org.settee.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Replaces a small file so that a crash leaves either the old or the new content, never half: temp
 * file beside it, fsync, atomic rename, fsync of the directory.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path file, byte[] content) throws IOException {
    write(file, content, false, () -> {});
  }

  /**
   * As {@link #write(Path, byte[])}; with {@code ownerOnly} the file is readable by its owner only
   * (0600) from its first byte on (a private key), and {@code beforeRename} runs once the new
   * content is durable beside the old (tests use it to crash there).
   */
  public static void write(Path file, byte[] content, boolean ownerOnly, Runnable beforeRename)
      throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    try {
      if (ownerOnly) {
        Files.deleteIfExists(tmp); // a leftover could have any permissions
        try {
          Files.createFile(
              tmp,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
          Files.createFile(tmp);
        }
      }
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      beforeRename.run();
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      // A half-written temp file is of no use, and on a full disk it holds the space it took.
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException notSupported) {
      // Some file systems cannot fsync a directory; the rename is still atomic.
    }
  }
}
