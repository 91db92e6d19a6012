package org.settee.security;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.settee.util.AtomicFiles;

/**
 * Reads and writes certificates and keys as PEM, with errors that name the file. Keys are written
 * as unencrypted PKCS#8, readable by the owner only (0600), and every file is replaced atomically.
 */
public final class PemFiles {
  private PemFiles() {}

  /** The certificates of a PEM file, in file order (leaf first for a chain). */
  public static List<X509Certificate> readCertificates(Path file) {
    return certificates(reader(file), file.toString());
  }

  /** The certificates of PEM text, in order; at least one. */
  static List<X509Certificate> parseCertificates(String pem) {
    return certificates(new StringReader(pem), "PEM text");
  }

  private static List<X509Certificate> certificates(Reader text, String source) {
    List<X509Certificate> certs = new ArrayList<>();
    try (PEMParser parser = new PEMParser(text)) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (!(o instanceof X509CertificateHolder holder)) {
          throw new CertificateException(
              source + " holds a " + o.getClass().getSimpleName() + " where certificates belong");
        }
        certs.add(new JcaX509CertificateConverter().getCertificate(holder));
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new CertificateException(
          source + " is not a PEM certificate chain: " + e.getMessage(), e);
    }
    if (certs.isEmpty()) {
      throw new CertificateException(source + " holds no PEM certificate");
    }
    return certs;
  }

  /** The unencrypted private key of a PEM file (PKCS#8, or the traditional RSA/EC forms). */
  public static PrivateKey readPrivateKey(Path file) {
    try (PEMParser parser = new PEMParser(reader(file))) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      if (o instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
        throw new CertificateException(
            file + " holds an encrypted private key: Settee needs it unencrypted");
      }
      throw new CertificateException(
          file + " holds no PEM private key" + (o == null ? "" : " (found " + kind(o) + ")"));
    } catch (IOException e) {
      throw new CertificateException(file + " is not a PEM private key: " + e.getMessage(), e);
    }
  }

  /** Checks that {@code key} is the private half of the leaf certificate's public key. */
  public static void checkKeyMatches(X509Certificate leaf, PrivateKey key, Path keyFile) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          case "Ed25519" -> "Ed25519";
          default ->
              throw new CertificateException(
                  keyFile + ": unsupported key algorithm " + key.getAlgorithm());
        };
    try {
      byte[] probe = "settee key check".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] signature = s.sign();
      Signature v = Signature.getInstance(algorithm);
      v.initVerify(leaf.getPublicKey());
      v.update(probe);
      if (!v.verify(signature)) {
        throw new CertificateException(
            keyFile + " does not match the certificate " + leaf.getSubjectX500Principal());
      }
    } catch (GeneralSecurityException e) {
      throw new CertificateException(
          keyFile + " does not match the certificate " + leaf.getSubjectX500Principal(), e);
    }
  }

  /** Certificates as PEM text. */
  public static String toPem(List<X509Certificate> certs) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      for (X509Certificate c : certs) {
        w.writeObject(c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** A private key as unencrypted PKCS#8 PEM text. */
  public static String toPem(PrivateKey key) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(new JcaPKCS8Generator(key, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  public static void writeCertificates(Path file, List<X509Certificate> certs) {
    write(file, toPem(certs), false, () -> {});
  }

  /**
   * Writes a key and its chain as one file (0600), the key first, then the chain leaf first: one
   * file is replaced in one atomic rename, so the key and the chain on disk always belong together.
   */
  public static void writeKeyAndChain(Path file, PrivateKey key, List<X509Certificate> chain) {
    writeKeyAndChain(file, key, chain, () -> {});
  }

  /** As above, calling {@code beforeRename} once the new file is synced beside the old. */
  static void writeKeyAndChain(
      Path file, PrivateKey key, List<X509Certificate> chain, Runnable beforeRename) {
    write(file, toPem(key) + toPem(chain), true, beforeRename);
  }

  /**
   * Reads what {@link #writeKeyAndChain} wrote: the key, then at least one certificate.
   *
   * @throws CertificateException naming the file when it is not that
   */
  public static KeyAndChain readKeyAndChain(Path file) {
    PrivateKey key = null;
    List<X509Certificate> chain = new ArrayList<>();
    try (PEMParser parser = new PEMParser(reader(file))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (key == null && chain.isEmpty() && o instanceof PrivateKeyInfo info) {
          key = new JcaPEMKeyConverter().getPrivateKey(info);
        } else if (key != null && o instanceof X509CertificateHolder holder) {
          chain.add(new JcaX509CertificateConverter().getCertificate(holder));
        } else {
          throw new CertificateException(
              file + " holds " + kind(o) + " out of place: expected a key, then certificates");
        }
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new CertificateException(file + " is not a PEM key and chain: " + e.getMessage(), e);
    }
    if (key == null || chain.isEmpty()) {
      throw new CertificateException(file + " lacks its " + (key == null ? "key" : "chain"));
    }
    return new KeyAndChain(key, chain);
  }

  /** A private key and the chain of its certificate, leaf first. */
  public record KeyAndChain(PrivateKey key, List<X509Certificate> chain) {}

  /**
   * Replaces {@code file} with {@code text} atomically, as every write here does; owner-only (0600)
   * when {@code secret}. For putting back a file exactly as it was.
   */
  static void writeText(Path file, String text, boolean secret) {
    write(file, text, secret, () -> {});
  }

  /** Writes a key readable by the owner only. */
  public static void writePrivateKey(Path file, PrivateKey key) {
    write(file, toPem(key), true, () -> {});
  }

  private static void write(Path file, String text, boolean secret, Runnable beforeRename) {
    try {
      AtomicFiles.write(file, text.getBytes(StandardCharsets.US_ASCII), secret, beforeRename);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static Reader reader(Path file) {
    try {
      return new StringReader(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (NoSuchFileException e) {
      throw new CertificateException(file + " does not exist", e);
    } catch (IOException e) {
      throw new CertificateException("cannot read " + file + ": " + e, e);
    }
  }

  private static String kind(Object o) {
    return o instanceof X509CertificateHolder ? "a certificate" : o.getClass().getSimpleName();
  }
}
