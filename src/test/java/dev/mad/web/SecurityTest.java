package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** With http.auth_token set: the API, downloads, /metrics and the bridge need it; /health and the page do not. */
@ExtendWith(VertxExtension.class)
class SecurityTest {
  private static final String TOKEN = "correct-horse-battery-staple";

  @TempDir Path logs;
  private Vertx vertx;
  private WebClient client;
  private int port;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    port = ServerFixture.start(vertx, logs, new JsonObject().put("auth_token", TOKEN));
    client = WebClient.create(vertx);
  }

  private HttpResponse<Buffer> get(String path, String authorization, String cookie)
      throws Exception {
    var request = client.get(port, "127.0.0.1", path);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    if (cookie != null) {
      request.putHeader("Cookie", cookie);
    }
    return await(request.send());
  }

  @Test
  @DisplayName("API routes, downloads and /metrics answer 401 without the token and 200 with it")
  void tokenRequired() throws Exception {
    for (String path :
        new String[] {
          "/api/status",
          "/api/anomalies",
          "/api/analysis-history",
          "/api/analyses/1/results.csv",
          "/metrics"
        }) {
      HttpResponse<Buffer> denied = get(path, null, null);
      assertThat(denied.statusCode()).as(path).isEqualTo(401);
      assertThat(denied.bodyAsJsonObject().getString("error")).contains("authentication required");
      assertThat(get(path, "Bearer wrong-token-wrong-token", null).statusCode())
          .as(path)
          .isEqualTo(401);
    }
    assertThat(get("/api/status", "Bearer " + TOKEN, null).statusCode()).isEqualTo(200);
    assertThat(get("/health", null, null).statusCode()).isIn(200, 503);
    HttpResponse<Buffer> page = get("/", null, null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.bodyAsString()).doesNotContain(TOKEN);
  }

  @Test
  @DisplayName(
      "the login form sets an HttpOnly cookie that opens the API; a wrong token is refused")
  void loginCookie() throws Exception {
    HttpResponse<Buffer> wrong =
        await(
            client
                .post(port, "127.0.0.1", "/login")
                .sendForm(MultiMap.caseInsensitiveMultiMap().add("token", "nope")));
    assertThat(wrong.statusCode()).isEqualTo(401);
    HttpResponse<Buffer> ok =
        await(
            client
                .post(port, "127.0.0.1", "/login")
                .sendForm(MultiMap.caseInsensitiveMultiMap().add("token", TOKEN)));
    assertThat(ok.statusCode()).isEqualTo(204);
    String setCookie = ok.getHeader("Set-Cookie");
    assertThat(setCookie)
        .containsIgnoringCase("HttpOnly")
        .contains("SameSite=Strict")
        .doesNotContain(TOKEN);
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    assertThat(get("/api/status", null, cookie).statusCode()).isEqualTo(200);
    assertThat(get("/api/status", null, TokenAuth.COOKIE + "=forged").statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName(
      "token guessing is slowed down: after 10 wrong tries a client waits, even with the right one")
  void guessingIsThrottled() throws Exception {
    for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
      HttpResponse<Buffer> wrong =
          await(
              client
                  .post(port, "127.0.0.1", "/login")
                  .sendForm(MultiMap.caseInsensitiveMultiMap().add("token", "guess-" + i)));
      assertThat(wrong.statusCode()).as("try " + i).isEqualTo(401);
    }
    HttpResponse<Buffer> blocked =
        await(
            client
                .post(port, "127.0.0.1", "/login")
                .sendForm(MultiMap.caseInsensitiveMultiMap().add("token", TOKEN)));
    assertThat(blocked.statusCode()).isEqualTo(429);
    assertThat(Integer.parseInt(blocked.getHeader("Retry-After"))).isBetween(1, 60);
    assertThat(get("/api/status", "Bearer " + TOKEN, null).statusCode()).isEqualTo(429);
  }

  @Test
  @DisplayName("the bridge refuses a WebSocket without the token and accepts one with it")
  void bridgeNeedsToken() throws Exception {
    WebSocketConnectOptions anonymous =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/eventbus/000/anon0001/websocket");
    // kept in a variable used to the end: Vert.x 5 closes a garbage-collected client
    // (eclipse-vertx/vert.x#5839)
    WebSocketClient webSockets = vertx.createWebSocketClient();
    Throwable refused =
        webSockets
            .connect(anonymous)
            .toCompletionStage()
            .toCompletableFuture()
            .handle((ws, e) -> e)
            .join();
    assertThat(refused).isNotNull().hasMessageContaining("401");
    WebSocketConnectOptions withToken =
        new WebSocketConnectOptions(anonymous)
            .setURI("/eventbus/000/auth0001/websocket")
            .addHeader("Authorization", "Bearer " + TOKEN);
    assertThat(await(webSockets.connect(withToken))).isNotNull();
    await(webSockets.close());
  }
}
