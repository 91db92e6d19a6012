package org.settee.security;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ScramCredentialTest {
  @Test
  void derivesRfc5802Keys() {
    // RFC 5802 section 5: user "user", password "pencil", salt QSXCR+Q6sek8bf92, i=4096.
    byte[] salt = Base64.getDecoder().decode("QSXCR+Q6sek8bf92");
    ScramCredential c = ScramCredential.derive(ScramHash.SHA1, "pencil", salt, 4096);

    // SaltedPassword = 1d96ee3a529b5a5f9e47c01f229a2cb8a6e15f7d (well known); from it:
    byte[] saltedPassword = HexFormat.of().parseHex("1d96ee3a529b5a5f9e47c01f229a2cb8a6e15f7d");
    byte[] clientKey = ScramHash.SHA1.hmac(saltedPassword, "Client Key".getBytes(US_ASCII));
    assertThat(c.storedKey()).isEqualTo(ScramHash.SHA1.digest(clientKey));
    assertThat(c.serverKey())
        .isEqualTo(ScramHash.SHA1.hmac(saltedPassword, "Server Key".getBytes(US_ASCII)));
    assertThat(c.saltBase64()).isEqualTo("QSXCR+Q6sek8bf92");
  }

  @Test
  void checksPasswords() {
    ScramCredential c = ScramCredential.derive(ScramHash.SHA512, "pw", new byte[64], 2);
    assertThat(c.matchesPassword("pw")).isTrue();
    assertThat(c.matchesPassword("pW")).isFalse();
    assertThat(c.matchesPassword("")).isFalse();
  }

  @Test
  void refusesFewerThanTwoIterations() {
    assertThatThrownBy(() -> ScramCredential.derive(ScramHash.SHA1, "pw", new byte[20], 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknownUsersGetStableRealisticCredentialsNoPasswordMatches() {
    ScramCredential a = UnknownUsers.credential(ScramHash.SHA256, "ghost", 15_000);
    ScramCredential b = UnknownUsers.credential(ScramHash.SHA256, "ghost", 15_000);
    assertThat(a.saltBase64()).isEqualTo(b.saltBase64());
    assertThat(Base64.getDecoder().decode(a.saltBase64())).hasSize(32);
    assertThat(UnknownUsers.credential(ScramHash.SHA256, "other", 15_000).saltBase64())
        .isNotEqualTo(a.saltBase64());
    assertThat(UnknownUsers.credential(ScramHash.SHA512, "ghost", 2).matchesPassword("ghost"))
        .isFalse();
  }

  @Test
  void printsNoKeys() {
    ScramCredential c = ScramCredential.derive(ScramHash.SHA1, "pw", new byte[20], 2);
    assertThat(c.toString()).isEqualTo("ScramCredential[SHA1, iterations=2]");
  }
}
