package org.settee.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ScramSaslServerTest {
  private static final int ITERATIONS = 4096;
  private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";

  private final UserStore store = UserStore.inMemory(ITERATIONS);

  /** Stores user/pencil with the RFC's salt for one hash (random salts for the others). */
  private void addRfcUser(ScramHash hash, String saltBase64) {
    byte[] rfcSalt = Base64.getDecoder().decode(saltBase64);
    Credentials credentials =
        Credentials.derive("pencil", ITERATIONS, h -> h == hash ? rfcSalt : new byte[h.length()]);
    store.put(new User("user", List.of(Role.of(RoleType.ADMIN)), credentials));
  }

  private static SaslStep step(SaslServer server, String message) {
    return server.evaluate(message.getBytes(UTF_8));
  }

  @Test
  void rfc5802ScramSha1Vector() {
    addRfcUser(ScramHash.SHA1, "QSXCR+Q6sek8bf92");
    SaslServer server =
        SaslServers.scram(SaslMechanism.SCRAM_SHA1, store, () -> "3rfcNHYJY1ZVvWVs7j");

    SaslStep first = step(server, "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    assertThat(first.outcome()).isEqualTo(SaslStep.Outcome.CONTINUE);
    assertThat(first.challengeText())
        .isEqualTo("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");

    SaslStep last =
        step(
            server,
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
    assertThat(last.outcome()).isEqualTo(SaslStep.Outcome.SUCCESS);
    assertThat(last.challengeText()).isEqualTo("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    assertThat(last.user().name()).isEqualTo("user");
  }

  @Test
  void rfc7677ScramSha256Vector() {
    addRfcUser(ScramHash.SHA256, "W22ZaJ0SNY7soEsUEjb6gQ==");
    SaslServer server =
        SaslServers.scram(
            SaslMechanism.SCRAM_SHA256, store, () -> "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

    SaslStep first = step(server, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    assertThat(first.outcome()).isEqualTo(SaslStep.Outcome.CONTINUE);
    assertThat(first.challengeText())
        .isEqualTo(
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");

    SaslStep last =
        step(
            server,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    assertThat(last.outcome()).isEqualTo(SaslStep.Outcome.SUCCESS);
    assertThat(last.challengeText()).isEqualTo("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  }

  @ParameterizedTest
  @EnumSource(
      value = SaslMechanism.class,
      names = {"SCRAM_SHA512", "SCRAM_SHA256", "SCRAM_SHA1"})
  void fullExchangeWithAnIndependentClient(SaslMechanism mechanism) {
    store.upsert("app", "s3cret-Pa55", List.of(Role.parse("bucket_full_access[travel]")));
    SaslServer server = SaslServers.create(mechanism, store);
    ScramTestClient client = new ScramTestClient(mechanism, "app", "s3cret-Pa55", CLIENT_NONCE);

    SaslStep first = server.evaluate(client.clientFirst());
    assertThat(first.outcome()).isEqualTo(SaslStep.Outcome.CONTINUE);
    String serverFirst = first.challengeText();
    // Exactly r, s, i, in that order: the SDK throws on anything else.
    assertThat(serverFirst).matches("r=" + CLIENT_NONCE + "[0-9a-f]{16},s=[A-Za-z0-9+/=]+,i=4096");
    byte[] salt = Base64.getDecoder().decode(ScramTestClient.attributes(serverFirst).get("s"));
    assertThat(salt).hasSize(mechanism.scramHash().length());

    SaslStep last = server.evaluate(client.clientFinal(serverFirst));
    assertThat(last.outcome()).isEqualTo(SaslStep.Outcome.SUCCESS);
    assertThat(last.challengeText()).isEqualTo(client.expectedServerFinal());
    assertThat(last.user().can(Privilege.DATA_WRITE, "travel")).isTrue();
    assertThat(last.errorContext()).isNull();
  }

  @Test
  void serverNoncesAreFreshHex() {
    assertThat(SaslServers.serverNonce()).matches("[0-9a-f]{16}");
    assertThat(SaslServers.serverNonce()).isNotEqualTo(SaslServers.serverNonce());
  }

  @Test
  void authzidInTheGs2HeaderIsSkippedAndBoundByC() {
    store.upsert("app", "pw", List.of());
    SaslServer server = SaslServers.create(SaslMechanism.SCRAM_SHA512, store);
    ScramTestClient client =
        new ScramTestClient(SaslMechanism.SCRAM_SHA512, "n,a=app,", "app", "pw", CLIENT_NONCE);

    SaslStep first = server.evaluate(client.clientFirst());
    SaslStep last = server.evaluate(client.clientFinal(first.challengeText()));

    assertThat(last.outcome()).isEqualTo(SaslStep.Outcome.SUCCESS);
  }

  @Test
  void wrongPasswordFails() {
    store.upsert("app", "right", List.of());
    SaslStep last = exchange(SaslMechanism.SCRAM_SHA512, "app", "wrong");

    assertThat(last.outcome()).isEqualTo(SaslStep.Outcome.FAILURE);
    assertThat(last.challenge()).isEmpty();
    assertThat(last.user()).isNull();
    assertThat(last.errorContext()).isEqualTo(SaslStep.AUTHENTICATION_FAILED);
  }

  @Test
  void unknownUserLooksLikeAKnownOneUntilTheProofIsRefused() {
    store.upsert("app", "pw", List.of());
    String known = serverFirst("app");
    String unknown = serverFirst("ghost");
    String shape = "r=" + CLIENT_NONCE + "[0-9a-f]{16},s=[A-Za-z0-9+/]{86}==,i=4096";
    assertThat(known).matches(shape);
    assertThat(unknown).matches(shape);
    // A real user shows the same salt every time; so does a made-up one.
    assertThat(salt(serverFirst("ghost"))).isEqualTo(salt(unknown));
    assertThat(salt(serverFirst("phantom"))).isNotEqualTo(salt(unknown));

    SaslStep last = exchange(SaslMechanism.SCRAM_SHA512, "ghost", "pw");
    SaslStep wrongPassword = exchange(SaslMechanism.SCRAM_SHA512, "app", "nope");
    assertThat(last.outcome()).isEqualTo(SaslStep.Outcome.FAILURE);
    assertThat(last.errorContext()).isEqualTo(wrongPassword.errorContext());
  }

  @Test
  void userDeletedOrPasswordChangedMidExchangeFails() {
    for (Runnable change :
        List.<Runnable>of(() -> store.delete("app"), () -> store.upsert("app", "pw", List.of()))) {
      store.upsert("app", "pw", List.of());
      SaslServer server = SaslServers.create(SaslMechanism.SCRAM_SHA256, store);
      ScramTestClient client =
          new ScramTestClient(SaslMechanism.SCRAM_SHA256, "app", "pw", CLIENT_NONCE);
      String serverFirst = server.evaluate(client.clientFirst()).challengeText();
      change.run();
      assertThat(server.evaluate(client.clientFinal(serverFirst)).outcome())
          .isEqualTo(SaslStep.Outcome.FAILURE);
    }
  }

  @Test
  void rolesChangedMidExchangeApplyAtOnce() {
    store.upsert("app", "pw", List.of(Role.parse("data_reader[a]")));
    SaslServer server = SaslServers.create(SaslMechanism.SCRAM_SHA1, store);
    ScramTestClient client = new ScramTestClient(SaslMechanism.SCRAM_SHA1, "app", "pw", "abc");
    String serverFirst = server.evaluate(client.clientFirst()).challengeText();
    store.setRoles("app", List.of(Role.parse("data_reader[b]")));

    SaslStep last = server.evaluate(client.clientFinal(serverFirst));

    assertThat(last.outcome()).isEqualTo(SaslStep.Outcome.SUCCESS);
    assertThat(last.user().canSelect("a")).isFalse();
    assertThat(last.user().canSelect("b")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "y,,n=app,r=abc", // client supports channel binding
        "p=tls-unique,,n=app,r=abc", // client wants channel binding
        "n,", // no end to the GS2 header
        "n,,", // no attributes
        "n,,n=app", // no nonce
        "n,,r=abc", // no user
        "n,,n=app,r=abc,x=1", // an extra attribute
        "n,,m=ext,n=app,r=abc", // a mandatory extension
        "n,,n=app,n=app,r=abc", // a repeated attribute
        "n,,n=app,,r=abc", // an empty attribute
        "n,,n=,r=abc", // an empty user
        "n,,n=ap=2Xp,r=abc", // a bad escape
        "n,,n=app,r=", // an empty nonce
        "n,,n=app,r=a b", // a non-printable nonce
        "n,,nonsense",
        "hello"
      })
  void malformedClientFirstIsInvalid(String clientFirst) {
    store.upsert("app", "pw", List.of());
    SaslServer server = SaslServers.create(SaslMechanism.SCRAM_SHA512, store);

    SaslStep step = step(server, clientFirst);

    assertThat(step.outcome()).isEqualTo(SaslStep.Outcome.INVALID);
    assertThat(step.errorContext()).isNotBlank();
    assertThat(step.challenge()).isEmpty();
    // The exchange is over: even a good message now is refused.
    assertThat(step(server, "n,,n=app,r=abc").outcome()).isEqualTo(SaslStep.Outcome.INVALID);
  }

  @Test
  void invalidUtf8IsInvalid() {
    SaslServer server = SaslServers.create(SaslMechanism.SCRAM_SHA512, store);
    byte[] message = {'n', ',', ',', 'n', '=', (byte) 0xc3, ',', 'r', '=', 'a'};

    assertThat(server.evaluate(message).outcome()).isEqualTo(SaslStep.Outcome.INVALID);
  }

  @Test
  void nullOrEmptyMessageIsInvalid() {
    assertThat(SaslServers.create(SaslMechanism.SCRAM_SHA1, store).evaluate(null).outcome())
        .isEqualTo(SaslStep.Outcome.INVALID);
  }

  static Stream<Arguments> malformedClientFinals() {
    List<Function<String, String>> cases =
        List.of(
            nonce -> "r=" + nonce + ",p=" + proof(), // no c
            nonce -> "c=biws,p=" + proof(), // no r
            nonce -> "c=biws,r=" + nonce, // no p
            nonce -> "c=biws,r=" + nonce + ",x=1,p=" + proof(), // an extra attribute
            nonce -> "c=biws,r=" + nonce + "x,p=" + proof(), // another nonce
            nonce -> "c=biws,r=" + CLIENT_NONCE + ",p=" + proof(), // the client's half only
            nonce -> "c=biws,r=" + nonce + ",p=!!not*base64!!", // bad base64
            nonce -> "c=biws,r=" + nonce + ",p=AAAA", // a proof of the wrong length
            nonce -> "c=biws,p=" + proof() + ",r=" + nonce, // proof not last
            nonce -> "c=eSws,r=" + nonce + ",p=" + proof(), // c= for "y,,"
            nonce -> "c=biws,r=" + nonce + ",r=" + nonce + ",p=" + proof(), // repeated r
            nonce -> "hello",
            nonce -> "");
    return cases.stream().map(Arguments::of);
  }

  private static String proof() {
    return Base64.getEncoder().encodeToString(new byte[64]);
  }

  @ParameterizedTest
  @MethodSource("malformedClientFinals")
  void malformedClientFinalIsInvalid(Function<String, String> clientFinal) {
    store.upsert("app", "pw", List.of());
    SaslServer server = SaslServers.create(SaslMechanism.SCRAM_SHA512, store);
    String serverFirst = step(server, "n,,n=app,r=" + CLIENT_NONCE).challengeText();
    String nonce = ScramTestClient.attributes(serverFirst).get("r");

    SaslStep step = step(server, clientFinal.apply(nonce));

    assertThat(step.outcome()).isEqualTo(SaslStep.Outcome.INVALID);
    assertThat(step.errorContext()).isNotBlank();
  }

  @Test
  void oversizedMessagesAreInvalid() {
    String big = "a".repeat(SaslServer.MAX_MESSAGE_BYTES);
    SaslServer first = SaslServers.create(SaslMechanism.SCRAM_SHA512, store);
    assertThat(step(first, "n,,n=app,r=" + big).outcome()).isEqualTo(SaslStep.Outcome.INVALID);

    store.upsert("app", "pw", List.of());
    SaslServer second = SaslServers.create(SaslMechanism.SCRAM_SHA512, store);
    String nonce =
        ScramTestClient.attributes(step(second, "n,,n=app,r=abc").challengeText()).get("r");
    assertThat(step(second, "c=biws,r=" + nonce + ",p=" + big).outcome())
        .isEqualTo(SaslStep.Outcome.INVALID);
  }

  @Test
  void noMessageIsAcceptedAfterTheExchangeEnds() {
    store.upsert("app", "pw", List.of());
    SaslServer server = SaslServers.create(SaslMechanism.SCRAM_SHA512, store);
    ScramTestClient client =
        new ScramTestClient(SaslMechanism.SCRAM_SHA512, "app", "pw", CLIENT_NONCE);
    String serverFirst = server.evaluate(client.clientFirst()).challengeText();
    byte[] clientFinal = client.clientFinal(serverFirst);
    assertThat(server.evaluate(clientFinal).outcome()).isEqualTo(SaslStep.Outcome.SUCCESS);

    SaslStep replay = server.evaluate(clientFinal);

    assertThat(replay.outcome()).isEqualTo(SaslStep.Outcome.INVALID);
    assertThat(((ScramSaslServer) server).state()).isEqualTo(ScramSaslServer.State.DONE);
  }

  private String serverFirst(String user) {
    SaslServer server = SaslServers.create(SaslMechanism.SCRAM_SHA512, store);
    SaslStep step = step(server, "n,,n=" + user + ",r=" + CLIENT_NONCE);
    assertThat(step.outcome()).isEqualTo(SaslStep.Outcome.CONTINUE);
    return step.challengeText();
  }

  private static byte[] salt(String serverFirst) {
    return Base64.getDecoder().decode(ScramTestClient.attributes(serverFirst).get("s"));
  }

  private SaslStep exchange(SaslMechanism mechanism, String user, String password) {
    SaslServer server = SaslServers.create(mechanism, store);
    ScramTestClient client = new ScramTestClient(mechanism, user, password, CLIENT_NONCE);
    SaslStep first = server.evaluate(client.clientFirst());
    assertThat(first.outcome()).isEqualTo(SaslStep.Outcome.CONTINUE);
    return server.evaluate(client.clientFinal(first.challengeText()));
  }

  @Test
  void aUserComesWithSuccessAndOnlyThen() {
    User user = store.upsert("app", "pw", List.of());
    assertThatThrownBy(() -> new SaslStep(SaslStep.Outcome.SUCCESS, null, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SaslStep(SaslStep.Outcome.FAILURE, null, user, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(SaslStep.success(null, user).challenge()).isEmpty();
  }
}
