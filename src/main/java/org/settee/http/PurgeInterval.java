package org.settee.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.settee.kv.BucketSettings;

/**
 * The metadata purge interval and its companion as forms give them ({@code purgeInterval} in days,
 * {@code parallelDBAndViewCompaction}), checked with ns_server's ranges and messages, for the
 * node's auto-compaction settings and a bucket's.
 */
final class PurgeInterval {
  /**
   * Decimal days as ns_server parses them (an integer, or an Erlang float: "2.5", not ".5"); no
   * exponent, hex, NaN or infinity that Double.parseDouble would take.
   */
  private static final Pattern DAYS = Pattern.compile("[0-9]+(\\.[0-9]+)?");

  private PurgeInterval() {}

  /**
   * The form's {@code purgeInterval}, if it has a valid one; an invalid one is recorded in {@code
   * errors} (and gives empty).
   */
  static Optional<Double> parse(Form form, double min, Map<String, String> errors) {
    String raw = form.get("purgeInterval");
    if (raw == null) {
      return Optional.empty();
    }
    String v = raw.strip();
    if (!DAYS.matcher(v).matches()) {
      errors.put("purgeInterval", "metadata purge interval must be a number");
      return Optional.empty();
    }
    double days = Double.parseDouble(v);
    double max = BucketSettings.MAX_PURGE_INTERVAL_DAYS;
    if (days < min || days > max) {
      errors.put(
          "purgeInterval",
          "metadata purge interval is too "
              + (days < min ? "small" : "large")
              + ". Allowed range is "
              + number(min)
              + " - "
              + number(max));
      return Optional.empty();
    }
    return Optional.of(days);
  }

  /**
   * Checks {@code parallelDBAndViewCompaction}, which ns_server requires with any auto-compaction
   * settings. Either value is accepted: with no views there is nothing to run in parallel.
   */
  static void parallelCompaction(Form form, Map<String, String> errors) {
    String raw = form.get("parallelDBAndViewCompaction");
    if (raw == null) {
      errors.put("parallelDBAndViewCompaction", "parallelDBAndViewCompaction is missing");
    } else if (!raw.equals("true") && !raw.equals("false")) {
      errors.put(
          "parallelDBAndViewCompaction", "parallelDBAndViewCompaction must be true or false");
    }
  }

  /**
   * Puts {@code days} under {@code purgeInterval} as ns_server shows it: a whole number as an
   * integer (3, not 3.0, which a client decoding into an integer would refuse).
   */
  static void put(ObjectNode n, double days) {
    if (days == Math.rint(days)) {
      n.put("purgeInterval", (long) days);
    } else {
      n.put("purgeInterval", days);
    }
  }

  /** As a person writes it: 60, not 60.0; 0.0007, not 7.0E-4. */
  static String number(double days) {
    return BigDecimal.valueOf(days).stripTrailingZeros().toPlainString();
  }
}
