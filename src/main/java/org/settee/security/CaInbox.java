package org.settee.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads {@code <data-dir>/inbox/CA/}, where an administrator puts the CA certificates {@code
 * loadTrustedCAs} is to trust, as Couchbase 7.1 does: every file whose name does not start with a
 * dot, in name order, each holding one or more PEM certificates. One bad file refuses them all.
 */
public final class CaInbox {
  private CaInbox() {}

  /** A certificate found in the inbox, with the file it came from. */
  public record Found(Path file, X509Certificate certificate) {}

  /**
   * Every certificate of every file, in file then certificate order.
   *
   * @throws CertificateException naming the directory when it is missing or empty, or the file that
   *     is not PEM certificates
   */
  public static List<Found> read(Path dir) {
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files =
          listing
              .filter(Files::isRegularFile)
              .filter(f -> !f.getFileName().toString().startsWith("."))
              .sorted()
              .toList();
    } catch (NoSuchFileException e) {
      throw new CertificateException(
          dir.toAbsolutePath() + " does not exist: put the CA certificates to trust there (PEM)");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir.toAbsolutePath(), e);
    }
    if (files.isEmpty()) {
      throw new CertificateException(
          dir.toAbsolutePath()
              + " holds no CA certificate file (files starting with . are skipped)");
    }
    List<Found> found = new ArrayList<>();
    for (Path file : files) {
      for (X509Certificate c : PemFiles.readCertificates(file)) {
        found.add(new Found(file.toAbsolutePath(), c));
      }
    }
    return found;
  }
}
