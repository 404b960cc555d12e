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

  /**
   * The whole server with the collector silenced (one sample an hour), a 10 s baseline and a 30 s
   * window: the samples a test publishes on {@code metrics.sample} are the only ones.
   *
   * @return the HTTP port
   */
  static int startSilenced(Vertx vertx, Path logs, JsonObject http) throws Exception {
    int port = freePort();
    JsonObject config =
        new JsonObject()
            .put("logs_dir", logs.toString())
            .put("collect", new JsonObject().put("interval_ms", 3_600_000))
            .put("detect", new JsonObject().put("baseline_seconds", 10).put("window_seconds", 30))
            .put("http", http.copy().put("port", port));
    await(vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)));
    return port;
  }

  /** A quiet moment of a host, with the small wobble real metrics have. */
  static double[] quiet(int i) {
    return new double[] {
      10 + i % 4,
      2400,
      40 + 0.2 * (i % 3),
      8.0 - 0.02 * (i % 3),
      1.0 + 0.1 * (i % 4),
      2.0 + 0.1 * (i % 4),
      0.5 + 0.05 * (i % 2),
      0.8 + 0.05 * (i % 2)
    };
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
