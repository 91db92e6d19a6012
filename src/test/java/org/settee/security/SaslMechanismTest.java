package org.settee.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SaslMechanismTest {
  @Test
  void listsMechanismsStrongestFirstAsKvEngine() {
    assertThat(SaslMechanism.listMechs()).isEqualTo("SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN");
  }

  @Test
  void findsMechanismsByExactWireName() {
    for (SaslMechanism m : SaslMechanism.values()) {
      assertThat(SaslMechanism.byWireName(m.wireName())).isSameAs(m);
    }
    assertThat(SaslMechanism.byWireName("SCRAM-SHA-512")).isNull();
    assertThat(SaslMechanism.byWireName("plain")).isNull();
    assertThat(SaslMechanism.byWireName("OAUTHBEARER")).isNull();
    assertThat(SaslMechanism.byWireName(null)).isNull();
  }

  @Test
  void scramMechanismsNameTheirHash() {
    assertThat(SaslMechanism.SCRAM_SHA512.scramHash()).isEqualTo(ScramHash.SHA512);
    assertThat(SaslMechanism.SCRAM_SHA256.scramHash()).isEqualTo(ScramHash.SHA256);
    assertThat(SaslMechanism.SCRAM_SHA1.scramHash()).isEqualTo(ScramHash.SHA1);
    assertThat(SaslMechanism.PLAIN.scramHash()).isNull();
  }
}
