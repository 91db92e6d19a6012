package org.settee.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.settee.security.CertificateIssuer;
import org.settee.security.PemFiles;
import org.settee.security.TlsMaterial;

/** Client-side TLS for tests: contexts that trust given CAs, HTTPS calls to the management API. */
public final class TestTls {
  private TestTls() {}

  /** A node certificate for 127.0.0.1 and localhost, issued by a new CA of its own. */
  public static TlsMaterial newCertificate(String name) {
    return CertificateIssuer.newCa(name + " CA").issue(name, List.of("127.0.0.1", "localhost"));
  }

  /** Puts {@code material} where reloadCertificate reads it: {@code <data-dir>/inbox/}. */
  public static void putInInbox(Path dataDir, TlsMaterial material) throws IOException {
    Path inbox = dataDir.resolve("inbox");
    Files.createDirectories(inbox);
    PemFiles.writeCertificates(inbox.resolve("chain.pem"), material.chain());
    PemFiles.writePrivateKey(inbox.resolve("pkey.key"), material.key());
  }

  /** A JDK client context (default protocols and limits) trusting only {@code cas}. */
  public static SSLContext trusting(X509Certificate... cas) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < cas.length; i++) {
        store.setCertificateEntry("ca-" + i, cas[i]);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An HTTPS request as the administrator to {@code 127.0.0.1:port}; a new connection each. */
  public static HttpResponse<String> send(SSLContext tls, int port, String method, String path) {
    return send(tls, port, method, path, null);
  }

  /** As {@link #send(SSLContext, int, String, String)}, with a JSON body unless null. */
  public static HttpResponse<String> send(
      SSLContext tls, int port, String method, String path, String json) {
    return request(java.util.Objects.requireNonNull(tls), port, method, path, json);
  }

  /**
   * The same request over plain HTTP: for tests of the TLS port's settings that must not depend on
   * it (a reload that drops TLS connections, mandatory client certificates).
   */
  public static HttpResponse<String> sendPlain(int port, String method, String path, String json) {
    return request(null, port, method, path, json);
  }

  private static HttpResponse<String> request(
      SSLContext tls, int port, String method, String path, String json) {
    String auth =
        Base64.getEncoder()
            .encodeToString(
                (EmbeddedNode.ADMIN + ":" + EmbeddedNode.ADMIN_PASSWORD)
                    .getBytes(StandardCharsets.UTF_8));
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      builder.sslContext(tls);
    }
    String scheme = tls == null ? "http" : "https";
    try (HttpClient client = builder.build()) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
              .header("Authorization", "Basic " + auth)
              .timeout(Duration.ofSeconds(10));
      if (json == null) {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        request
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(json));
      }
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
