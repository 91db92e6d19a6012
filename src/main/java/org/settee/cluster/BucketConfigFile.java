package org.settee.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;

/**
 * The node's bucket definitions on disk ({@code <data-dir>/config/buckets.json}), written
 * atomically (temp file, fsync, rename) so a crash leaves the old or the new list, never half.
 *
 * <pre>
 * [ {"name":"default","type":"couchbase","ramQuotaMb":256,"numVBuckets":1024,"flushEnabled":true} ]
 * </pre>
 */
public final class BucketConfigFile {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path file;

  public BucketConfigFile(Path file) {
    this.file = file;
  }

  public boolean exists() {
    return Files.exists(file);
  }

  /** Reads the definitions; a file that is not ours fails with a message naming it. */
  public List<BucketSettings> load() {
    try {
      List<Map<String, Object>> raw = JSON.readValue(file.toFile(), new TypeReference<>() {});
      List<BucketSettings> result = new ArrayList<>();
      for (Map<String, Object> m : raw) {
        BucketType type = BucketType.ofRestName(String.valueOf(m.get("type")));
        result.add(
            new BucketSettings(
                (String) m.get("name"),
                type,
                ((Number) m.get("ramQuotaMb")).longValue(),
                ((Number) m.get("numVBuckets")).intValue(),
                Boolean.TRUE.equals(m.get("flushEnabled"))));
      }
      return result;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot read bucket configuration " + file + ": " + e.getMessage(), e);
    }
  }

  public void save(List<BucketSettings> buckets) {
    List<Map<String, Object>> raw = new ArrayList<>();
    for (BucketSettings b : buckets) {
      raw.add(
          Map.of(
              "name", b.name(),
              "type", b.type().restName(),
              "ramQuotaMb", b.ramQuotaMb(),
              "numVBuckets", b.numVBuckets(),
              "flushEnabled", b.flushEnabled()));
    }
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(raw)));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write bucket configuration " + file, e);
    }
  }
}
