package org.settee.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.settee.util.AtomicFiles;

/**
 * The CA certificates loaded by {@code loadTrustedCAs}, kept in {@code
 * <data-dir>/config/certs/trusted-cas.json} (replaced atomically), e.g.
 *
 * <pre>
 * [{"id":1,"loadTimestamp":"2024-05-01T10:00:00Z","loadHost":"127.0.0.1",
 *   "loadFile":"/data/inbox/CA/corp.pem","pem":"-----BEGIN CERTIFICATE-----\n..."}]
 * </pre>
 *
 * No file means none loaded. The node's own published CA is not here: it follows the node
 * certificate.
 */
public final class TrustedCas {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private volatile List<TrustedCa> all;

  private TrustedCas(Path file, List<TrustedCa> all) {
    this.file = file;
    this.all = List.copyOf(all);
  }

  /**
   * Reads the stored list.
   *
   * @throws IllegalStateException naming the file when it cannot be read
   */
  public static TrustedCas open(Path file) {
    try {
      return new TrustedCas(file, parse(Files.readAllBytes(file)));
    } catch (NoSuchFileException e) {
      return new TrustedCas(file, List.of());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot read the trusted CAs from " + file.toAbsolutePath() + ": " + e, e);
    }
  }

  /** The loaded CAs, by id. */
  public List<TrustedCa> all() {
    return all;
  }

  /** Their certificates, by id. */
  public List<X509Certificate> certificates() {
    return all.stream().map(TrustedCa::certificate).toList();
  }

  /**
   * Adds each found certificate not yet trusted (neither loaded before, nor {@code publishedCa},
   * nor found twice), stores the list, then runs {@code install} with every loaded certificate. A
   * failure of either step leaves the stored list and this one as they were.
   *
   * @return the CAs added, none when every one was already trusted (then nothing is stored)
   */
  public synchronized List<TrustedCa> add(
      List<CaInbox.Found> found,
      X509Certificate publishedCa,
      Instant now,
      String loadHost,
      Consumer<List<X509Certificate>> install) {
    List<TrustedCa> before = all;
    List<TrustedCa> next = new ArrayList<>(before);
    List<TrustedCa> added = new ArrayList<>();
    int nextId = before.stream().mapToInt(TrustedCa::id).max().orElse(0) + 1;
    for (CaInbox.Found f : found) {
      boolean known =
          f.certificate().equals(publishedCa)
              || next.stream().anyMatch(ca -> ca.certificate().equals(f.certificate()));
      if (!known) {
        TrustedCa ca = new TrustedCa(nextId++, f.certificate(), now, loadHost, f.file().toString());
        next.add(ca);
        added.add(ca);
      }
    }
    if (added.isEmpty()) {
      return List.of();
    }
    boolean existed = Files.exists(file);
    save(next);
    try {
      install.accept(next.stream().map(TrustedCa::certificate).toList());
    } catch (RuntimeException e) {
      try {
        if (existed) {
          save(before);
        } else {
          Files.deleteIfExists(file);
        }
      } catch (IOException | RuntimeException restoreFailed) {
        e.addSuppressed(restoreFailed);
      }
      throw e;
    }
    all = List.copyOf(next);
    return List.copyOf(added);
  }

  private void save(List<TrustedCa> cas) {
    ArrayNode list = JSON.createArrayNode();
    for (TrustedCa ca : cas) {
      list.addObject()
          .put("id", ca.id())
          .put("loadTimestamp", ca.loadTimestamp().toString())
          .put("loadHost", ca.loadHost())
          .put("loadFile", ca.loadFile())
          .put("pem", PemFiles.toPem(List.of(ca.certificate())));
    }
    try {
      AtomicFiles.write(file, JSON.writeValueAsBytes(list));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file.toAbsolutePath(), e);
    }
  }

  private static List<TrustedCa> parse(byte[] json) throws IOException {
    List<TrustedCa> cas = new ArrayList<>();
    for (JsonNode entry : JSON.readTree(json)) {
      List<X509Certificate> pem = PemFiles.parseCertificates(entry.required("pem").asText());
      cas.add(
          new TrustedCa(
              entry.required("id").asInt(),
              pem.get(0),
              Instant.parse(entry.required("loadTimestamp").asText()),
              entry.required("loadHost").asText(),
              entry.required("loadFile").asText()));
    }
    return cas;
  }
}
