package org.settee.security;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * Makes certificates with BouncyCastle (the JDK has no public API for it): a self-signed CA, and
 * node certificates it signs. Keys are EC P-256: small, fast, accepted by every Couchbase SDK.
 */
public final class CertificateIssuer {
  /** Couchbase's generated CA lasts ten years; so do ours, and node certificates as long. */
  static final Duration VALIDITY = Duration.ofDays(3650);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate caCertificate;
  private final PrivateKey caKey;

  private CertificateIssuer(X509Certificate caCertificate, PrivateKey caKey) {
    this.caCertificate = caCertificate;
    this.caKey = caKey;
  }

  /** A new CA named {@code commonName}. */
  public static CertificateIssuer newCa(String commonName) {
    KeyPair keys = newKeyPair();
    X500Name name = new X500Name("CN=" + commonName);
    try {
      X509v3CertificateBuilder b = builder(name, name, keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateIssuer(sign(b, keys.getPrivate()), keys.getPrivate());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a CA certificate", e);
    }
  }

  /**
   * A new intermediate CA named {@code commonName}, signed by this one: certificates it issues
   * chain to this CA through it (their chain is leaf, intermediate; the root is not in it).
   */
  public CertificateIssuer intermediate(String commonName) {
    KeyPair keys = newKeyPair();
    try {
      X500Name issuer = X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
      X509v3CertificateBuilder b =
          builder(issuer, new X500Name("CN=" + commonName), keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCertificate));
      return new CertificateIssuer(sign(b, caKey), keys.getPrivate());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make an intermediate CA " + commonName, e);
    }
  }

  /** An issuer from a CA certificate and its key (as stored in the data directory). */
  public static CertificateIssuer of(X509Certificate caCertificate, PrivateKey caKey) {
    return new CertificateIssuer(caCertificate, caKey);
  }

  public X509Certificate caCertificate() {
    return caCertificate;
  }

  public PrivateKey caKey() {
    return caKey;
  }

  /**
   * A node certificate signed by this CA, for server and client authentication, naming each host
   * (IP literals become IP SANs, the rest DNS names), with a new key. Returns chain (leaf, CA) and
   * key.
   */
  public TlsMaterial issue(String commonName, Collection<String> hosts) {
    return issueLeaf(
        commonName,
        subjectAltNames(hosts),
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
  }

  /**
   * A client certificate signed by this CA, for a user who logs in with it (mutual TLS): subject
   * {@code CN=commonName} and the given e-mail, URI and DNS subject alternative names, which
   * client-certificate authentication rules read the user name from.
   */
  public TlsMaterial issueClient(
      String commonName, List<String> emails, List<String> uris, List<String> dnsNames) {
    List<GeneralName> names = new ArrayList<>();
    emails.forEach(e -> names.add(new GeneralName(GeneralName.rfc822Name, e)));
    uris.forEach(u -> names.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
    dnsNames.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
    return issueLeaf(
        commonName,
        names.isEmpty() ? null : new GeneralNames(names.toArray(GeneralName[]::new)),
        new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth});
  }

  private TlsMaterial issueLeaf(String commonName, GeneralNames sans, KeyPurposeId[] purposes) {
    KeyPair keys = newKeyPair();
    try {
      X500Name issuer = X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
      X509v3CertificateBuilder b =
          builder(issuer, new X500Name("CN=" + commonName), keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCertificate));
      if (sans != null) {
        b.addExtension(Extension.subjectAlternativeName, false, sans);
      }
      X509Certificate leaf = sign(b, caKey);
      return new TlsMaterial(List.of(leaf, caCertificate), keys.getPrivate(), caCertificate);
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a certificate for " + commonName, e);
    }
  }

  private static GeneralNames subjectAltNames(Collection<String> hosts) {
    LinkedHashSet<String> unique = new LinkedHashSet<>(hosts);
    return new GeneralNames(
        unique.stream()
            .map(
                h ->
                    IPAddress.isValid(h)
                        ? new GeneralName(GeneralName.iPAddress, h)
                        : new GeneralName(GeneralName.dNSName, h))
            .toArray(GeneralName[]::new));
  }

  private static X509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, PublicKey key) {
    Instant now = Instant.now();
    // Back-dated a day: a client whose clock is a little behind still accepts it.
    return new JcaX509v3CertificateBuilder(
        issuer,
        new BigInteger(64, RANDOM).abs().add(BigInteger.ONE),
        Date.from(now.minus(Duration.ofDays(1))),
        Date.from(now.plus(VALIDITY)),
        subject,
        key);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 key generator in this JDK", e);
    }
  }
}
