package org.settee.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlainSaslServerTest {
  private final UserStore store = UserStore.inMemory(64);

  @BeforeEach
  void addUser() {
    store.upsert("app", "pencil", List.of(Role.parse("data_reader[travel]")));
  }

  private SaslStep plain(String message) {
    return plain(message.getBytes(UTF_8));
  }

  private SaslStep plain(byte[] message) {
    return SaslServers.create(SaslMechanism.PLAIN, store).evaluate(message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"\0app\0pencil", "app\0app\0pencil"})
  void rightPasswordSucceedsInOneStep(String message) {
    SaslStep step = plain(message);

    assertThat(step.outcome()).isEqualTo(SaslStep.Outcome.SUCCESS);
    assertThat(step.challenge()).isEmpty();
    assertThat(step.user().name()).isEqualTo("app");
    assertThat(step.user().can(Privilege.DATA_READ, "travel")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\0app\0pencil2", // wrong password
        "\0app\0", // empty password
        "\0ghost\0pencil", // unknown user
        "\0\0pencil", // no user
        "other\0app\0pencil" // acting as someone else
      })
  void wrongCredentialsFail(String message) {
    SaslStep step = plain(message);

    assertThat(step.outcome()).isEqualTo(SaslStep.Outcome.FAILURE);
    assertThat(step.user()).isNull();
    assertThat(step.errorContext()).isEqualTo(SaslStep.AUTHENTICATION_FAILED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "app", "app\0pencil", "\0app\0pen\0cil", "\0\0\0"})
  void malformedMessagesAreInvalid(String message) {
    assertThat(plain(message).outcome()).isEqualTo(SaslStep.Outcome.INVALID);
  }

  @Test
  void invalidUtf8IsInvalid() {
    byte[] message = {0, 'a', 'p', 'p', 0, (byte) 0xff, 'x'};
    assertThat(plain(message).outcome()).isEqualTo(SaslStep.Outcome.INVALID);
  }

  @Test
  void oversizedMessageIsInvalid() {
    String big = "\0app\0" + "p".repeat(SaslServer.MAX_MESSAGE_BYTES);
    assertThat(plain(big).outcome()).isEqualTo(SaslStep.Outcome.INVALID);
  }

  @Test
  void aSecondMessageIsInvalid() {
    SaslServer server = SaslServers.create(SaslMechanism.PLAIN, store);
    assertThat(server.evaluate("\0app\0pencil".getBytes(UTF_8)).outcome())
        .isEqualTo(SaslStep.Outcome.SUCCESS);
    assertThat(server.evaluate("\0app\0pencil".getBytes(UTF_8)).outcome())
        .isEqualTo(SaslStep.Outcome.INVALID);
  }
}
