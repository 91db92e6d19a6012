package org.settee.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.settee.security.ClientCertAuth.Field;
import org.settee.security.ClientCertAuth.Prefix;
import org.settee.security.ClientCertAuth.State;

/** Client-certificate rules: how a certificate names a user, and ns_server's validation. */
class ClientCertAuthTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CertificateIssuer CA = CertificateIssuer.newCa("test CA");

  private static X509Certificate cert(String cn, List<String> emails, List<String> uris) {
    return CA.issueClient(cn, emails, uris, List.of("host.example.com")).leaf();
  }

  private static ClientCertAuth rules(Prefix... prefixes) {
    return new ClientCertAuth(State.ENABLE, List.of(prefixes));
  }

  @Test
  void theCommonNameIsTheUserWithoutPrefixOrDelimiter() {
    var id =
        rules(new Prefix(Field.SUBJECT_CN, "", "")).identify(cert("alice", List.of(), List.of()));
    assertThat(id.user()).isEqualTo("alice");
  }

  @Test
  void aPrefixIsStrippedAndTheNameEndsAtTheFirstDelimiterCharacter() {
    var rules = rules(new Prefix(Field.SAN_EMAIL, "app-", "@+"));
    var id = rules.identify(cert("x", List.of("app-bob+tag@example.com"), List.of()));
    assertThat(id.user()).isEqualTo("bob");
  }

  @Test
  void aValueWithoutThePrefixDoesNotMatchAndTheNextRuleIsTried() {
    var rules =
        rules(new Prefix(Field.SAN_URI, "www.cb-", ".,;"), new Prefix(Field.SAN_DNSNAME, "", "."));
    var id = rules.identify(cert("x", List.of(), List.of("www.other.com")));
    assertThat(id.user()).isEqualTo("host");
  }

  @Test
  void theFirstMatchingValueOfAFieldWins() {
    var rules = rules(new Prefix(Field.SAN_URI, "www.cb-", ".,;"));
    var id =
        rules.identify(cert("x", List.of(), List.of("www.nope.com", "www.cb-carol.example.com")));
    assertThat(id.user()).isEqualTo("carol");
  }

  @Test
  void nothingMatchingSaysWhatWasTried() {
    var rules = rules(new Prefix(Field.SAN_EMAIL, "", "@"), new Prefix(Field.SUBJECT_CN, "u-", ""));
    var id = rules.identify(cert("dave", List.of(), List.of()));
    assertThat(id.found()).isFalse();
    assertThat(id.tried()).contains("san.email (absent)").contains("subject.cn [dave]");
  }

  @Test
  void aDelimiterAtTheStartLeavesNoNameAndSoNoMatch() {
    var id =
        rules(new Prefix(Field.SUBJECT_CN, "", "@")).identify(cert("@x", List.of(), List.of()));
    assertThat(id.found()).isFalse();
  }

  @Test
  void jsonRoundTripsInNsServersShape() throws Exception {
    String text =
        "{\"state\":\"mandatory\",\"prefixes\":[{\"path\":\"san.email\",\"prefix\":\"\","
            + "\"delimiter\":\"@\"}]}";
    ClientCertAuth parsed = ClientCertAuth.fromJson(JSON.readTree(text));
    assertThat(parsed)
        .isEqualTo(
            new ClientCertAuth(State.MANDATORY, List.of(new Prefix(Field.SAN_EMAIL, "", "@"))));
    assertThat(parsed.toJson()).isEqualTo(JSON.readTree(text));
  }

  @Test
  void validationNamesEveryProblemAsNsServerDoes() {
    assertThat(errors("{\"state\":\"enable\"}"))
        .containsExactly("Unsupported format: Must contain 'state' and 'prefixes' fields");
    assertThat(errors("{\"state\":\"enable\",\"prefixes\":[],\"x\":1}"))
        .containsExactly("Unsupported fields: Must contain 'state' and 'prefixes' fields only");
    assertThat(errors("{\"state\":\"enable\",\"prefixes\":[]}"))
        .containsExactly("'prefixes' cannot be empty when the 'state' is 'enable'");
    assertThat(
            errors(
                "{\"state\":\"sometimes\",\"prefixes\":[{\"path\":\"subject.ou\",\"prefix\":\"\","
                    + "\"delimiter\":\"\"},{\"path\":\"subject.cn\"}]}"))
        .hasSize(3)
        .contains("Invalid value 'sometimes' for key 'state'")
        .contains("Invalid value 'subject.ou' for key 'path'")
        .anySatisfy(e -> assertThat(e).startsWith("Invalid prefixes entry"));
    String twice = "{\"path\":\"subject.cn\",\"prefix\":\"a\",\"delimiter\":\"\"}";
    assertThat(errors("{\"state\":\"enable\",\"prefixes\":[" + twice + "," + twice + "]}"))
        .containsExactly(
            "Multiple entries with same path & prefix (subject.cn, \"a\") are not allowed");
    String many = String.join(",", java.util.Collections.nCopies(11, twice));
    assertThat(errors("{\"state\":\"enable\",\"prefixes\":[" + many + "]}"))
        .containsExactly("Maximum number of prefixes supported is 10");
  }

  @Test
  void disabledMayHaveNoRules() throws Exception {
    JsonNode json = JSON.readTree("{\"state\":\"disable\",\"prefixes\":[]}");
    assertThat(ClientCertAuth.fromJson(json)).isEqualTo(ClientCertAuth.DISABLED);
  }

  @Test
  void theFileKeepsTheSettingsAndNoFileMeansDisabled(@TempDir Path dir) {
    ClientCertAuthFile file = new ClientCertAuthFile(dir.resolve("client-cert-auth.json"));
    assertThat(file.load()).isEqualTo(ClientCertAuth.DISABLED);
    ClientCertAuth settings = rules(new Prefix(Field.SAN_DNSNAME, "svc-", "."));
    file.save(settings);
    assertThat(new ClientCertAuthFile(dir.resolve("client-cert-auth.json")).load())
        .isEqualTo(settings);
  }

  private static List<String> errors(String json) {
    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> ClientCertAuth.fromJson(JSON.readTree(json)));
    assertThat(thrown).isInstanceOf(ClientCertAuth.Invalid.class);
    return ((ClientCertAuth.Invalid) thrown).errors();
  }

  @Test
  void notAnObjectIsInvalid() {
    assertThatThrownBy(() -> ClientCertAuth.fromJson(JSON.readTree("[1]")))
        .isInstanceOf(ClientCertAuth.Invalid.class);
  }
}
