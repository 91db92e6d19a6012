package org.settee.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.settee.util.AtomicFiles;

/**
 * Where the node keeps its {@link ClientCertAuth} settings: {@code
 * <data-dir>/config/client-cert-auth.json}, in the shape the REST API serves, e.g.
 *
 * <pre>
 * {"state":"enable","prefixes":[{"path":"subject.cn","prefix":"","delimiter":""}]}
 * </pre>
 *
 * No file means {@link ClientCertAuth#DISABLED}, Couchbase's default.
 */
public final class ClientCertAuthFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  public ClientCertAuthFile(Path file) {
    this.file = file;
  }

  /**
   * The stored settings, or disabled when there are none.
   *
   * @throws IllegalStateException naming the file when it cannot be read or is not valid settings
   */
  public ClientCertAuth load() {
    try {
      return ClientCertAuth.fromJson(JSON.readTree(Files.readAllBytes(file)));
    } catch (NoSuchFileException e) {
      return ClientCertAuth.DISABLED;
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "cannot read client certificate settings from " + file.toAbsolutePath() + ": " + e, e);
    }
  }

  /** Replaces the stored settings; a crash leaves the old or the new file, never half. */
  public void save(ClientCertAuth settings) {
    try {
      AtomicFiles.write(file, JSON.writeValueAsBytes(settings.toJson()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file.toAbsolutePath(), e);
    }
  }
}
