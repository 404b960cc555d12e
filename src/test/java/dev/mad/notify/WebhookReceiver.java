package dev.mad.notify;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A webhook receiver for tests, on 127.0.0.1 at a fixed port, that can be taken down (nothing
 * listens: connections are refused) and brought back. Keeps every request it took.
 */
final class WebhookReceiver implements AutoCloseable {
  /** One request as received. */
  record Received(String path, JsonObject headers, String body, long atMs) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  private final Vertx vertx;
  final int port;
  private HttpServer server;
  final List<Received> received = new CopyOnWriteArrayList<>();
  volatile int status = 200;

  WebhookReceiver(Vertx vertx) throws Exception {
    this.vertx = vertx;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  WebhookReceiver up() throws Exception {
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              JsonObject headers = new JsonObject();
                              req.headers()
                                  .forEach(
                                      h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
                              if (status < 300) {
                                received.add(
                                    new Received(
                                        req.path(),
                                        headers,
                                        b.toString(),
                                        System.currentTimeMillis()));
                              }
                              req.response().setStatusCode(status).end();
                            }))
            .listen(port, "127.0.0.1")
            .await();
    return this;
  }

  void down() {
    if (server != null) {
      server.close().await();
      server = null;
    }
  }

  /** Waits until the requests taken satisfy the condition; fails after the timeout. */
  List<Received> await(Predicate<List<Received>> done, Duration timeout, String what)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      List<Received> now = new ArrayList<>(received);
      if (done.test(now)) {
        return now;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for " + what + "; received: " + received);
  }

  @Override
  public void close() {
    down();
  }
}
