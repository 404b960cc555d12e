package dev.mad.soak;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalTime;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Soak helper (bench/soak.sh): keeps N SockJS WebSocket clients registered on the dashboard's
 * addresses for a given time and reports how many messages they received. Not a unit test.
 */
public final class BridgeClients {
  private static final AtomicLong reconnects = new AtomicLong();
  private static WebSocketClient client;

  private BridgeClients() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int clients = Integer.parseInt(args[1]);
    long seconds = Long.parseLong(args[2]);
    Vertx vertx = Vertx.vertx();
    AtomicLong received = new AtomicLong();
    AtomicLong connected = new AtomicLong();
    reconnects.set(0);
    // One client for all connections, held until the end: an unreachable Vert.x client is closed by
    // its cleaner,
    // which would drop its WebSockets at the next garbage collection.
    client =
        vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(clients * 2));
    for (int i = 0; i < clients; i++) {
      connect(vertx, port, i, 0, connected, received);
    }
    Thread.sleep(seconds * 1000);
    System.out.println(
        "bridge clients connected at the end: "
            + connected.get()
            + ", reconnects: "
            + reconnects.get()
            + ", messages received: "
            + received.get());
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  /** Connects client {@code i}, retrying after a second on failure as the browser's SockJS client would. */
  private static void connect(
      Vertx vertx, int port, int i, int attempt, AtomicLong connected, AtomicLong received) {
    String uri = String.format("/eventbus/%03d/soak%04d%02d/websocket", i, i, attempt);
    client
        .connect(port, "127.0.0.1", uri)
        .onSuccess(
            ws -> {
              connected.incrementAndGet();
              ws.textMessageHandler(
                  t -> {
                    if (t.startsWith("c")) {
                      System.err.println(
                          LocalTime.now() + " client " + i + " got close frame " + t);
                    }
                    if (t.startsWith("a")) {
                      received.addAndGet(new JsonArray(t.substring(1)).size());
                    }
                  });
              for (String address :
                  new String[] {
                    "dashboard.metrics",
                    "dashboard.anomaly",
                    "dashboard.status",
                    "dashboard.analysis"
                  }) {
                send(ws, new JsonObject().put("type", "register").put("address", address));
              }
              long timer =
                  vertx.setPeriodic(5000, id -> send(ws, new JsonObject().put("type", "ping")));
              ws.closeHandler(
                  v -> {
                    vertx.cancelTimer(timer);
                    connected.decrementAndGet();
                    System.err.println(
                        LocalTime.now()
                            + " client "
                            + i
                            + " closed: "
                            + ws.closeStatusCode()
                            + " "
                            + ws.closeReason()
                            + "; reconnecting");
                    reconnects.incrementAndGet();
                    connect(vertx, port, i, attempt + 1, connected, received);
                  });
            })
        .onFailure(
            e ->
                vertx.setTimer(
                    1000, id -> connect(vertx, port, i, attempt + 1, connected, received)));
  }

  private static void send(WebSocket ws, JsonObject frame) {
    ws.writeTextMessage(new JsonArray().add(frame.encode()).encode());
  }
}
