package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.mad.MainVerticle;
import dev.mad.Operations;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's prometheus package, which .ci/run installs) scrapes /metrics with
 * the token, using the example configuration and alert rules of conf/prometheus/ that README
 * shows: the target is up, mad_anomaly_score is queryable, the same target without the token is
 * refused with 401, and the example rules load and evaluate.
 */
class PrometheusScrapeTest {
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  private static final Path EXAMPLE_CONFIG = Path.of("conf/prometheus/prometheus.yml");
  private static final Path EXAMPLE_RULES = Path.of("conf/prometheus/mad-alerts.yml");
  private static final String JOB = "metrics-anomaly-detector";
  private static final String JOB_WITHOUT_TOKEN = JOB + "-without-token";
  private static final String GROUP = "metrics-anomaly-detector";
  private static final List<String> RULES =
      List.of("MadAnomalyDetectorDown", "MadModelStale", "MadIncidentStorm");
  private static final String TOKEN = "prometheus-scrape-token-42";
  private static final String HOST = "prometheus-test-host";
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @TempDir Path dir;
  private Vertx vertx;
  private Process prometheus;
  private Path prometheusLog;
  private String prometheusUrl;
  private final HttpClient http =
      HttpClient.newBuilder()
          .proxy(HttpClient.Builder.NO_PROXY)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  @DisplayName(
      "Prometheus scrapes /metrics with the token (refused without), queries mad_anomaly_score and"
          + " loads the example alert rules")
  void scrapedByRealPrometheus() throws Exception {
    assertThat(Files.isExecutable(PROMETHEUS))
        .as(PROMETHEUS + " is missing: install Debian's prometheus package (.ci/run does)")
        .isTrue();
    assertThat(Files.isExecutable(PROMTOOL))
        .as(PROMTOOL + " is missing: install Debian's prometheus package (.ci/run does)")
        .isTrue();

    assertThat(run(PROMTOOL.toString(), "check", "rules", EXAMPLE_RULES.toString()))
        .contains("SUCCESS: " + RULES.size() + " rules found");
    int port = startServer();
    Path config = writeConfig(port);
    run(PROMTOOL.toString(), "check", "config", config.toString());
    startPrometheus(config);
    try {
      long deadline = System.nanoTime() + DEADLINE.toNanos();

      JsonObject targets =
          awaitApi(
              "the target up with the token and down without it",
              "/api/v1/targets",
              deadline,
              body ->
                  "up".equals(target(body, JOB).getString("health"))
                      && "down".equals(target(body, JOB_WITHOUT_TOKEN).getString("health")));
      assertThat(target(targets, JOB).getJsonObject("labels").getString("instance"))
          .isEqualTo("127.0.0.1:" + port);
      assertThat(target(targets, JOB).getString("lastError")).isEmpty();
      assertThat(target(targets, JOB_WITHOUT_TOKEN).getString("lastError")).contains("401");

      JsonObject score =
          awaitApi(
              "mad_anomaly_score of " + HOST + " with a finite value",
              "/api/v1/query?query="
                  + URLEncoder.encode("mad_anomaly_score", StandardCharsets.UTF_8),
              deadline,
              body -> scoreOf(body).isPresent());
      JsonObject series = scoreOf(score).orElseThrow();
      assertThat(series.getJsonObject("metric").getString("job")).isEqualTo(JOB);
      assertThat(Double.parseDouble(series.getJsonArray("value").getString(1))).isFinite();

      JsonObject rules =
          awaitApi(
              "the example rules loaded and evaluated",
              "/api/v1/rules",
              deadline,
              body ->
                  group(body)
                      .map(g -> rulesByName(g).size() == RULES.size() && allOk(g))
                      .orElse(false));
      JsonObject group = group(rules).orElseThrow();
      assertThat(group.getString("file")).isEqualTo(EXAMPLE_RULES.toAbsolutePath().toString());
      assertThat(rulesByName(group)).containsExactlyInAnyOrderElementsOf(RULES);
    } catch (Throwable t) {
      System.out.println("--- Prometheus log " + prometheusLog + " ---");
      System.out.println(Files.readString(prometheusLog));
      throw t;
    }
  }

  @Test
  @DisplayName("README shows the example configuration and rules exactly as this test uses them")
  void readmeShowsTheTestedFiles() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    for (Path example : List.of(EXAMPLE_CONFIG, EXAMPLE_RULES)) {
      assertThat(readme)
          .as("README.md shows " + example)
          .contains("```yaml\n" + Files.readString(example) + "```\n");
    }
  }

  /** Starts the whole server with the token and live collection; returns its port. */
  private int startServer() throws Exception {
    vertx = Operations.metricsEnabled(new VertxOptions()).build();
    int port = ServerFixture.freePort();
    JsonObject config =
        new JsonObject()
            .put("host_name", HOST)
            .put("logs_dir", dir.resolve("logs").toString())
            .put("collect", new JsonObject().put("interval_ms", 250))
            .put("detect", new JsonObject().put("baseline_seconds", 10).put("window_seconds", 30))
            .put("http", new JsonObject().put("port", port).put("auth_token", TOKEN));
    await(vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)));
    return port;
  }

  /**
   * The example configuration with this test's port, token file, rules path and a 1 s interval,
   * plus a second job for the same target without the token.
   */
  private Path writeConfig(int port) throws IOException {
    Path tokenFile = dir.resolve("mad-token");
    Files.writeString(tokenFile, TOKEN + "\n"); // as `echo TOKEN > file` writes it
    String yaml = Files.readString(EXAMPLE_CONFIG);
    yaml = replace(yaml, "scrape_interval: 15s", "scrape_interval: 1s");
    yaml = replace(yaml, "evaluation_interval: 15s", "evaluation_interval: 1s");
    yaml = replace(yaml, "- mad-alerts.yml", "- " + EXAMPLE_RULES.toAbsolutePath());
    yaml = replace(yaml, "/etc/prometheus/mad-token", tokenFile.toString());
    yaml = replace(yaml, "127.0.0.1:5000", "127.0.0.1:" + port);
    assertThat(yaml).endsWith("\n");
    yaml +=
        "  - job_name: "
            + JOB_WITHOUT_TOKEN
            + "\n    metrics_path: /metrics\n    static_configs:\n"
            + "      - targets: [\"127.0.0.1:"
            + port
            + "\"]\n";
    return Files.writeString(dir.resolve("prometheus.yml"), yaml);
  }

  private static String replace(String text, String from, String to) {
    assertThat(text).as(EXAMPLE_CONFIG + " has changed").containsOnlyOnce(from);
    return text.replace(from, to);
  }

  /** Prometheus on a free loopback port (never 9090, which a packaged one may hold). */
  private void startPrometheus(Path config) throws Exception {
    int port;
    do {
      port = ServerFixture.freePort();
    } while (port == 9090);
    prometheusUrl = "http://127.0.0.1:" + port;
    prometheusLog = dir.resolve("prometheus.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(prometheusLog.toFile());
    // scrapes go to loopback only, whatever proxy the environment names
    builder.environment().keySet().removeIf(k -> k.toLowerCase(Locale.ROOT).endsWith("_proxy"));
    prometheus = builder.start();
  }

  /** Polls Prometheus's HTTP API until {@code done} holds for the answer, or fails at the deadline. */
  private JsonObject awaitApi(
      String what, String path, long deadline, Function<JsonObject, Boolean> done)
      throws Exception {
    Object last = "no answer yet";
    while (true) {
      assertThat(prometheus.isAlive())
          .as("Prometheus exited with %s", prometheus.isAlive() ? 0 : prometheus.exitValue())
          .isTrue();
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(prometheusUrl + path))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        last = response.statusCode() + " " + response.body();
        if (response.statusCode() == 200) {
          JsonObject body = new JsonObject(response.body());
          if (done.apply(body)) {
            return body;
          }
        }
      } catch (IOException e) {
        last = e; // Prometheus is still starting
      }
      if (System.nanoTime() > deadline) {
        fail("Prometheus did not show " + what + " within " + DEADLINE + "; last: " + last);
      }
      Thread.sleep(500);
    }
  }

  /** The active target of {@code job} in a /api/v1/targets answer, or an empty object. */
  private static JsonObject target(JsonObject body, String job) {
    return body.getJsonObject("data").getJsonArray("activeTargets").stream()
        .map(JsonObject.class::cast)
        .filter(t -> job.equals(t.getJsonObject("labels").getString("job")))
        .findFirst()
        .orElse(new JsonObject());
  }

  /** This server's mad_anomaly_score series in a query answer, when its value is finite. */
  private static Optional<JsonObject> scoreOf(JsonObject body) {
    return body.getJsonObject("data").getJsonArray("result").stream()
        .map(JsonObject.class::cast)
        .filter(s -> HOST.equals(s.getJsonObject("metric").getString("host")))
        .filter(s -> Double.isFinite(Double.parseDouble(s.getJsonArray("value").getString(1))))
        .findFirst();
  }

  private static Optional<JsonObject> group(JsonObject body) {
    return body.getJsonObject("data").getJsonArray("groups").stream()
        .map(JsonObject.class::cast)
        .filter(g -> GROUP.equals(g.getString("name")))
        .findFirst();
  }

  private static List<String> rulesByName(JsonObject group) {
    return rules(group).stream().map(r -> r.getString("name")).toList();
  }

  /** Every rule of the group evaluated without error. */
  private static boolean allOk(JsonObject group) {
    return rules(group).stream().allMatch(r -> "ok".equals(r.getString("health")));
  }

  private static List<JsonObject> rules(JsonObject group) {
    JsonArray rules = group.getJsonArray("rules");
    return rules.stream().map(JsonObject.class::cast).toList();
  }

  /** Runs a command to its end and returns its output; fails unless it exits with 0. */
  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + " said:\n" + output).isZero();
    return output;
  }
}
