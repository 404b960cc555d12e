package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Other web sites cannot use the server: foreign Host and Origin are refused, the page is protected. */
@ExtendWith(VertxExtension.class)
class SameOriginTest {
  private static final Path FIXTURE =
      Path.of("src/test/resources/fixtures/seed_sample_metrics2k.csv");

  @TempDir Path logs;
  private Vertx vertx;
  private WebClient client;
  private int port;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    port = ServerFixture.start(vertx, logs, new JsonObject());
    client = WebClient.create(vertx);
  }

  private HttpResponse<Buffer> get(String path, String header, String value) throws Exception {
    return await(client.get(port, "127.0.0.1", path).putHeader(header, value).send());
  }

  /** Uploads the sample and waits for its analysis (so nothing is still writing when the test ends). */
  private HttpResponse<Buffer> upload(String origin) throws Exception {
    MultipartForm form =
        MultipartForm.create().binaryFileUpload("file", "s.csv", FIXTURE.toString(), "text/csv");
    return await(
        client
            .post(port, "127.0.0.1", "/api/upload-csv?wait=true")
            .putHeader("Origin", origin)
            .sendMultipartForm(form));
  }

  @Test
  @DisplayName("a foreign Host (DNS rebinding) is refused; loopback names are this server")
  void foreignHost() throws Exception {
    HttpResponse<Buffer> rebinding = get("/api/status", "Host", "evil.example:" + port);
    assertThat(rebinding.statusCode()).isEqualTo(403);
    assertThat(rebinding.bodyAsJsonObject().getString("error")).contains("evil.example");
    assertThat(get("/", "Host", "evil.example").statusCode()).isEqualTo(403);
    assertThat(get("/api/status", "Host", "localhost:" + port).statusCode()).isEqualTo(200);
    assertThat(get("/api/status", "Host", "127.0.0.1:" + port).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName(
      "a cross-site upload and the bridge from another site are refused; the same site works")
  void foreignOrigin() throws Exception {
    HttpResponse<Buffer> crossSite = upload("http://evil.example");
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(crossSite.bodyAsJsonObject().getString("error")).contains("evil.example");
    assertThat(upload("null").statusCode()).as("a sandboxed frame's Origin").isEqualTo(403);
    assertThat(upload("http://127.0.0.1:" + port).statusCode()).isEqualTo(200);

    assertThat(get("/eventbus/info", "Origin", "http://evil.example").statusCode()).isEqualTo(403);
    assertThat(get("/eventbus/info", "Origin", "http://127.0.0.1:" + port).statusCode())
        .isEqualTo(200);

    WebSocketClient ws = vertx.createWebSocketClient();
    WebSocketConnectOptions evil =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/eventbus/websocket")
            .addHeader("Origin", "http://evil.example");
    try {
      await(ws.connect(evil));
      throw new AssertionError("a WebSocket from another site was accepted");
    } catch (ExecutionException e) {
      assertThat(e.getCause().getMessage()).contains("403");
    }
    WebSocketConnectOptions own = new WebSocketConnectOptions(evil);
    own.getHeaders().set("Origin", "http://127.0.0.1:" + port);
    assertThat(await(ws.connect(own)).isClosed()).isFalse();
  }

  @Test
  @DisplayName("every answer says nosniff, may not be framed elsewhere and carries the page's CSP")
  void protectiveHeaders() throws Exception {
    HttpResponse<Buffer> page = get("/", "Accept", "text/html");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.getHeader("X-Frame-Options")).isEqualTo("SAMEORIGIN");
    assertThat(page.getHeader("Content-Security-Policy"))
        .contains("default-src 'self'")
        .contains("frame-ancestors 'self'");
    assertThat(get("/api/status", "Accept", "*/*").getHeader("X-Content-Type-Options"))
        .isEqualTo("nosniff");
  }
}
