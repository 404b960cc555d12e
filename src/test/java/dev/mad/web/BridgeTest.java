package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event-bus bridge as its clients use it: the browser's SockJS client over WebSocket and over
 * xhr-streaming (server frames {@code o}, then {@code a[...]} arrays of JSON strings; the client
 * sends arrays of JSON strings), and a non-browser client on the raw {@code /eventbus/websocket}
 * endpoint (one bridge-protocol JSON object per frame).
 */
@ExtendWith(VertxExtension.class)
class BridgeTest {
  // Vert.x 5 closes a client once it is garbage collected, even mid-handshake
  // (eclipse-vertx/vert.x#5839),
  // so each test keeps its clients in fields.
  private WebSocketClient webSockets;
  private HttpClient http;
  private WebClient web;

  @BeforeEach
  void clients(Vertx vertx) {
    webSockets = vertx.createWebSocketClient();
    http = vertx.createHttpClient();
    web = WebClient.create(vertx);
  }

  @Test
  @DisplayName("a client receives live samples on dashboard.metrics; everything inbound is refused")
  void outboundOnly(Vertx vertx, @TempDir Path logs) throws Exception {
    int port = ServerFixture.start(vertx, logs, new JsonObject());
    List<JsonObject> frames = new CopyOnWriteArrayList<>();
    List<JsonObject> leaked = new CopyOnWriteArrayList<>();
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.METRICS_SAMPLE,
            m -> {
              if (m.body().getString("host", "").equals("intruder")) {
                leaked.add(m.body());
              }
            });
    Promise<Void> answered = Promise.promise();
    WebSocket ws = await(webSockets.connect(port, "127.0.0.1", "/eventbus/000/test0001/websocket"));
    ws.textMessageHandler(
        text -> {
          if (text.startsWith("a")) {
            new JsonArray(text.substring(1)).forEach(f -> frames.add(new JsonObject((String) f)));
          }
          if (count(frames, "rec") > 0 && count(frames, "err") >= 3) {
            answered.tryComplete();
          }
        });
    send(ws, new JsonObject().put("type", "register").put("address", Addresses.DASHBOARD_METRICS));
    send(ws, new JsonObject().put("type", "register").put("address", Addresses.METRICS_SCORED));
    send(
        ws,
        new JsonObject()
            .put("type", "send")
            .put("address", Addresses.METRICS_SAMPLE)
            .put("body", new JsonObject().put("host", "intruder")));
    send(
        ws,
        new JsonObject()
            .put("type", "publish")
            .put("address", Addresses.DASHBOARD_METRICS)
            .put("body", new JsonObject().put("host", "intruder")));

    // a live sample, and an answer to each of the three refused frames
    await(answered.future());
    JsonObject sample =
        frames.stream().filter(f -> "rec".equals(f.getString("type"))).findFirst().orElseThrow();
    assertThat(sample.getString("address")).isEqualTo(Addresses.DASHBOARD_METRICS);
    assertThat(sample.getJsonObject("body").getDouble("cpu_percent")).isBetween(0.0, 100.0);
    assertThat(
            frames.stream()
                .filter(f -> "err".equals(f.getString("type")))
                .map(f -> f.getString("body")))
        .hasSize(3)
        .containsOnly("access_denied");
    assertThat(frames.stream().filter(f -> "rec".equals(f.getString("type"))))
        .allMatch(f -> f.getString("address").equals(Addresses.DASHBOARD_METRICS))
        .noneMatch(f -> "intruder".equals(f.getJsonObject("body").getString("host")));
    assertThat(leaked).isEmpty();
    await(ws.close());
  }

  @Test
  @DisplayName(
      "behind a proxy that blocks WebSockets, the xhr-streaming transport delivers dashboard.metrics")
  void xhrStreaming(Vertx vertx, @TempDir Path logs) throws Exception {
    int port = ServerFixture.start(vertx, logs, new JsonObject());
    String session = "/eventbus/000/xhr00001/";
    Promise<Void> opened = Promise.promise();
    Promise<JsonObject> received = Promise.promise();
    StringBuilder stream = new StringBuilder();
    // SockJS streams one frame a line: a prelude of 'h's, 'o' when open, then 'a[...]' arrays of
    // JSON strings
    Handler<Buffer> frames =
        chunk -> {
          stream.append(chunk.toString());
          for (int end = stream.indexOf("\n"); end >= 0; end = stream.indexOf("\n")) {
            String frame = stream.substring(0, end);
            stream.delete(0, end + 1);
            if (frame.equals("o")) {
              opened.tryComplete();
            } else if (frame.startsWith("a")) {
              new JsonArray(frame.substring(1))
                  .stream()
                      .map(f -> new JsonObject((String) f))
                      .filter(f -> "rec".equals(f.getString("type")))
                      .findFirst()
                      .ifPresent(received::tryComplete);
            }
          }
        };
    HttpClientResponse response =
        await(
            http.request(HttpMethod.POST, port, "127.0.0.1", session + "xhr_streaming")
                .compose(HttpClientRequest::send)
                .map(r -> r.handler(frames)));
    assertThat(response.statusCode()).isEqualTo(200);
    await(opened.future());

    String register =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("type", "register")
                    .put("address", Addresses.DASHBOARD_METRICS)
                    .encode())
            .encode();
    HttpResponse<Buffer> sent =
        await(
            web.post(port, "127.0.0.1", session + "xhr_send")
                .putHeader("Content-Type", "text/plain")
                .sendBuffer(Buffer.buffer(register)));
    assertThat(sent.statusCode()).as("xhr_send: %s", sent.bodyAsString()).isEqualTo(204);

    JsonObject sample = await(received.future());
    assertThat(sample.getString("address")).isEqualTo(Addresses.DASHBOARD_METRICS);
    assertThat(sample.getJsonObject("body").getDouble("cpu_percent")).isBetween(0.0, 100.0);
  }

  @Test
  @DisplayName(
      "a non-browser client on ws://.../eventbus/websocket registers with a JSON frame and gets live samples")
  void rawWebSocket(Vertx vertx, @TempDir Path logs) throws Exception {
    int port = ServerFixture.start(vertx, logs, new JsonObject());
    Promise<JsonObject> received = Promise.promise();
    WebSocket ws = await(webSockets.connect(port, "127.0.0.1", "/eventbus/websocket"));
    // the bridge answers in binary frames of JSON text; handler() takes text and binary frames
    // alike
    ws.handler(
        frame -> {
          JsonObject message = frame.toJsonObject();
          if ("rec".equals(message.getString("type"))) {
            received.tryComplete(message);
          }
        });
    ws.writeTextMessage(
        new JsonObject()
            .put("type", "register")
            .put("address", Addresses.DASHBOARD_METRICS)
            .encode());

    JsonObject sample = await(received.future());
    assertThat(sample.getString("address")).isEqualTo(Addresses.DASHBOARD_METRICS);
    assertThat(sample.getJsonObject("body").getDouble("cpu_percent")).isBetween(0.0, 100.0);
    await(ws.close());
  }

  private static long count(List<JsonObject> frames, String type) {
    return frames.stream().filter(f -> type.equals(f.getString("type"))).count();
  }

  private static void send(WebSocket ws, JsonObject frame) {
    ws.writeTextMessage(new JsonArray().add(frame.encode()).encode());
  }
}
