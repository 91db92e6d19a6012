package org.settee.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Client-side TLS for tests: contexts that trust given CAs, HTTPS calls to the management API. */
public final class TestTls {
  private TestTls() {}

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
    String auth =
        Base64.getEncoder()
            .encodeToString(
                (EmbeddedNode.ADMIN + ":" + EmbeddedNode.ADMIN_PASSWORD)
                    .getBytes(StandardCharsets.UTF_8));
    try (HttpClient client =
        HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build()) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
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
