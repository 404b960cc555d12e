package dev.mad.web;

import dev.mad.MainVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Starts the whole server on a free port with a throw-away logs directory. */
final class ServerFixture {
  private ServerFixture() {}

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static int start(Vertx vertx, Path logs, JsonObject http) throws Exception {
    int port = freePort();
    JsonObject config =
        new JsonObject()
            .put("logs_dir", logs.toString())
            .put("collect", new JsonObject().put("interval_ms", 250))
            .put("detect", new JsonObject().put("baseline_seconds", 10).put("window_seconds", 30))
            .put("http", http.copy().put("port", port));
    await(vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)));
    return port;
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
