package org.settee.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;

/**
 * Client-certificate authentication as Couchbase configures it ({@code /settings/clientCertAuth}):
 * whether TLS clients may or must present a certificate, and the rules that read a user name out of
 * it. A connection keeps the settings it was accepted with; a change applies to new ones.
 *
 * @param prefixes tried in order; the first rule that yields a name decides
 */
public record ClientCertAuth(State state, List<Prefix> prefixes) {
  /** The default: no client certificate is asked for. */
  public static final ClientCertAuth DISABLED = new ClientCertAuth(State.DISABLE, List.of());

  /** ns_server's limit on rules. */
  public static final int MAX_PREFIXES = 10;

  private static final ObjectMapper JSON = new ObjectMapper();

  public ClientCertAuth {
    prefixes = List.copyOf(prefixes);
  }

  /** Whether and how strictly a certificate is asked for. */
  public enum State {
    /** No certificate is asked for; clients authenticate with SASL or Basic auth. */
    DISABLE("disable"),
    /** A client may present one; if it does, it names the user, and a bad one is refused. */
    ENABLE("enable"),
    /** Every TLS client must present a trusted one: without it the handshake fails. */
    MANDATORY("mandatory");

    private final String wireName;

    State(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    static State byWireName(String name) {
      for (State s : values()) {
        if (s.wireName.equals(name)) {
          return s;
        }
      }
      return null;
    }
  }

  /** The certificate field a rule reads. */
  public enum Field {
    /** The subject's common name. */
    SUBJECT_CN("subject.cn", -1),
    /** Each URI subject alternative name (GeneralName type 6). */
    SAN_URI("san.uri", GeneralName.uniformResourceIdentifier),
    /** Each DNS subject alternative name (type 2). */
    SAN_DNSNAME("san.dnsname", GeneralName.dNSName),
    /** Each e-mail subject alternative name (rfc822Name, type 1). */
    SAN_EMAIL("san.email", GeneralName.rfc822Name);

    private final String wireName;
    private final int sanTag;

    Field(String wireName, int sanTag) {
      this.wireName = wireName;
      this.sanTag = sanTag;
    }

    public String wireName() {
      return wireName;
    }

    static Field byWireName(String name) {
      for (Field f : values()) {
        if (f.wireName.equals(name)) {
          return f;
        }
      }
      return null;
    }

    /** The values of this field in {@code cert}, in certificate order. */
    List<String> values(X509Certificate cert) {
      // BouncyCastle rather than the JDK's getSubjectAlternativeNames: the JDK rejects the whole
      // extension when one URI has no scheme ("www.cb-alice"), which Couchbase's rules allow.
      List<String> values = new ArrayList<>();
      try {
        X509CertificateHolder holder = new JcaX509CertificateHolder(cert);
        if (this == SUBJECT_CN) {
          for (RDN rdn : holder.getSubject().getRDNs(BCStyle.CN)) {
            if (rdn.getFirst().getValue() instanceof ASN1String text) {
              values.add(text.getString());
            }
          }
          return values;
        }
        GeneralNames sans =
            GeneralNames.fromExtensions(holder.getExtensions(), Extension.subjectAlternativeName);
        if (sans != null) {
          for (GeneralName name : sans.getNames()) {
            if (name.getTagNo() == sanTag && name.getName() instanceof ASN1String text) {
              values.add(text.getString());
            }
          }
        }
      } catch (CertificateEncodingException | IllegalArgumentException e) {
        // A certificate the TLS engine accepted but BouncyCastle cannot read names nobody.
      }
      return values;
    }
  }

  /**
   * One rule: read {@code field}; a value that starts with {@code prefix} loses it, then is cut at
   * the first of the {@code delimiter} characters. An empty result does not match.
   */
  public record Prefix(Field field, String prefix, String delimiter) {
    /** The user name this rule makes of {@code value}, or null when it does not apply. */
    String userName(String value) {
      if (!value.startsWith(prefix)) {
        return null;
      }
      String rest = value.substring(prefix.length());
      for (int i = 0; i < rest.length(); i++) {
        if (delimiter.indexOf(rest.charAt(i)) >= 0) {
          rest = rest.substring(0, i);
          break;
        }
      }
      return rest.isEmpty() ? null : rest;
    }
  }

  /**
   * The user a certificate names under these rules.
   *
   * @param user the name, or null when no rule matched
   * @param tried what was looked at, for the error when nothing matched
   */
  public record Identity(String user, String tried) {
    public boolean found() {
      return user != null;
    }
  }

  /** Reads the user name out of a client's (already trusted) certificate. */
  public Identity identify(X509Certificate cert) {
    List<String> seen = new ArrayList<>();
    for (Prefix rule : prefixes) {
      List<String> values = rule.field().values(cert);
      for (String value : values) {
        String user = rule.userName(value);
        if (user != null) {
          return new Identity(user, null);
        }
      }
      seen.add(rule.field().wireName() + (values.isEmpty() ? " (absent)" : " " + values));
    }
    return new Identity(null, "no rule matched: " + String.join(", ", seen));
  }

  // ---- JSON, in ns_server's shape ----

  /** {@code {"state":"enable","prefixes":[{"path":..,"prefix":..,"delimiter":..}]}}. */
  public ObjectNode toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("state", state.wireName());
    ArrayNode list = root.putArray("prefixes");
    for (Prefix p : prefixes) {
      list.addObject()
          .put("path", p.field().wireName())
          .put("prefix", p.prefix())
          .put("delimiter", p.delimiter());
    }
    return root;
  }

  /**
   * Parses and validates settings as ns_server does: both fields and nothing else, at most {@link
   * #MAX_PREFIXES} rules, each with exactly path, prefix and delimiter, no two with the same path
   * and prefix, and at least one rule unless disabled.
   *
   * @throws Invalid listing every problem found
   */
  public static ClientCertAuth fromJson(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new Invalid(List.of("Invalid JSON"));
    }
    JsonNode stateNode = root.get("state");
    JsonNode prefixesNode = root.get("prefixes");
    if (stateNode == null || prefixesNode == null) {
      throw new Invalid(List.of("Unsupported format: Must contain 'state' and 'prefixes' fields"));
    }
    if (root.size() > 2) {
      throw new Invalid(
          List.of("Unsupported fields: Must contain 'state' and 'prefixes' fields only"));
    }
    if (!prefixesNode.isArray()) {
      throw new Invalid(List.of("'prefixes' must be a list"));
    }
    if (prefixesNode.size() > MAX_PREFIXES) {
      throw new Invalid(List.of("Maximum number of prefixes supported is " + MAX_PREFIXES));
    }
    List<String> errors = new ArrayList<>();
    State state = stateNode.isTextual() ? State.byWireName(stateNode.asText()) : null;
    if (state == null) {
      errors.add("Invalid value '" + stateNode.asText() + "' for key 'state'");
    } else if (state != State.DISABLE && prefixesNode.isEmpty()) {
      errors.add("'prefixes' cannot be empty when the 'state' is '" + state.wireName() + "'");
    }
    List<Prefix> prefixes = new ArrayList<>();
    for (JsonNode entry : prefixesNode) {
      Prefix p = prefix(entry, errors);
      if (p != null) {
        prefixes.add(p);
      }
    }
    if (errors.isEmpty()) {
      Set<List<String>> unique = new HashSet<>();
      for (Prefix p : prefixes) {
        if (!unique.add(List.of(p.field().wireName(), p.prefix()))) {
          errors.add(
              "Multiple entries with same path & prefix ("
                  + p.field().wireName()
                  + ", \""
                  + p.prefix()
                  + "\") are not allowed");
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new Invalid(errors);
    }
    return new ClientCertAuth(state, prefixes);
  }

  private static Prefix prefix(JsonNode entry, List<String> errors) {
    Set<String> keys = new HashSet<>();
    for (Iterator<String> it = entry.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    boolean allText =
        entry.isObject()
            && keys.equals(Set.of("path", "prefix", "delimiter"))
            && entry.get("path").isTextual()
            && entry.get("prefix").isTextual()
            && entry.get("delimiter").isTextual();
    if (!allText) {
      errors.add(
          "Invalid prefixes entry ("
              + entry
              + "). Must contain 'path', 'prefix' & 'delimiter' fields.");
      return null;
    }
    Field field = Field.byWireName(entry.get("path").asText());
    if (field == null) {
      errors.add("Invalid value '" + entry.get("path").asText() + "' for key 'path'");
      return null;
    }
    return new Prefix(field, entry.get("prefix").asText(), entry.get("delimiter").asText());
  }

  /** Settings that cannot be accepted; {@link #errors()} lists why, as ns_server words it. */
  public static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    Invalid(List<String> errors) {
      super(String.join("; ", errors));
      this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
      return errors;
    }
  }
}
