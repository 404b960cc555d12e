package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.IncidentChange;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Every route of the HTTP API, end to end on an ephemeral port. */
@ExtendWith(VertxExtension.class)
class WebApiTest {
  private static final Path FIXTURE =
      Path.of("src/test/resources/fixtures/seed_sample_metrics2k.csv");

  /** Analyses whose result files are kept (AnalysisFiles.KEEP, which a web test cannot import). */
  private static final int KEPT_RESULTS = 20;

  @TempDir Path logs;
  private Vertx vertx;
  private WebClient client;
  private int port;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    port =
        ServerFixture.start(
            vertx, logs, new JsonObject().put("max_upload_mb", 1).put("chart_points", 20));
    client = WebClient.create(vertx);
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(port, "127.0.0.1", path).send());
  }

  private HttpResponse<Buffer> upload(String name, Path file) throws Exception {
    return upload("/api/upload-csv", name, file);
  }

  private HttpResponse<Buffer> upload(String uri, String name, Path file) throws Exception {
    MultipartForm form =
        MultipartForm.create().binaryFileUpload("file", name, file.toString(), "text/csv");
    return await(client.post(port, "127.0.0.1", uri).sendMultipartForm(form));
  }

  /** Uploads and waits for the analysis to finish; returns the final progress event. */
  private JsonObject uploadAndWait(String name, Path file) throws Exception {
    Promise<JsonObject> finished = Promise.promise();
    var consumer =
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.DASHBOARD_ANALYSIS,
                m -> {
                  String phase = m.body().getString("phase");
                  if (phase.equals("done") || phase.equals("failed")) {
                    finished.tryComplete(m.body());
                  }
                });
    await(consumer.completion());
    HttpResponse<Buffer> accepted = upload(name, file);
    assertThat(accepted.statusCode()).isEqualTo(202);
    JsonObject event = await(finished.future());
    await(consumer.unregister());
    return event;
  }

  private void publishIncident(String change, String host, long startMs, String severity) {
    var report =
        new IncidentChange.Report(
            startMs,
            Instant.ofEpochMilli(startMs).toString(),
            null,
            Map.of("cpu_percent", 99.0),
            "CPU usage high",
            List.of(),
            severity,
            host,
            List.of(),
            Map.of("cpu_percent", 100.0),
            Map.of(),
            Instant.ofEpochMilli(startMs).toString(),
            change.equals(IncidentChange.CLOSED)
                ? Instant.ofEpochMilli(startMs + 9000).toString()
                : null,
            9,
            10);
    vertx
        .eventBus()
        .publish(
            Addresses.INCIDENT, new IncidentChange(change, report).toJson(), Addresses.local());
  }

  @Test
  @DisplayName(
      "incident history: written as incidents change, filtered and paged by /api/incidents, bad"
          + " filters refused with 400")
  void incidentHistory() throws Exception {
    long t0 = 1_780_000_000_000L;
    publishIncident(IncidentChange.OPENED, "web-1", t0, "high");
    publishIncident(IncidentChange.CLOSED, "web-1", t0, "critical");
    publishIncident(IncidentChange.OPENED, "db-1", t0 + 60_000, "medium");
    // the live host's own incidents (a rule may fire while learning) start later than this window
    String window = "to=" + (t0 + 120_000);
    JsonObject all = get("/api/incidents?" + window).bodyAsJsonObject();
    assertThat(all.getLong("total")).isEqualTo(2);
    JsonObject newest = all.getJsonArray("incidents").getJsonObject(0);
    assertThat(newest.getString("host")).isEqualTo("db-1");
    assertThat(newest.getString("state")).isEqualTo("open");
    JsonObject web = get("/api/incidents?host=web-1&state=closed").bodyAsJsonObject();
    assertThat(web.getLong("total")).isEqualTo(1);
    assertThat(web.getJsonArray("incidents").getJsonObject(0).getString("severity"))
        .isEqualTo("critical");
    assertThat(
            get("/api/incidents?from=" + Instant.ofEpochMilli(t0 + 1).toString() + "&" + window)
                .bodyAsJsonObject()
                .getLong("total"))
        .isEqualTo(1);
    assertThat(get("/api/incidents?to=" + (t0 + 1)).bodyAsJsonObject().getLong("total"))
        .isEqualTo(1);
    JsonObject second = get("/api/incidents?limit=1&offset=1&" + window).bodyAsJsonObject();
    assertThat(second.getJsonArray("incidents").getJsonObject(0).getString("host"))
        .isEqualTo("web-1");
    for (String bad :
        List.of(
            "severity=urgent",
            "state=asleep",
            "from=yesterday",
            "to=2026-13-01T00:00:00Z",
            "limit=0",
            "limit=501",
            "offset=-1",
            "host=")) {
      HttpResponse<Buffer> r = get("/api/incidents?" + bad);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.getHeader("Content-Type")).as(bad).startsWith("application/json");
      assertThat(r.bodyAsJsonObject().getString("error"))
          .as(bad)
          .contains(bad.substring(0, bad.indexOf('=')));
    }
  }

  @Test
  @DisplayName("live routes: status, latest metrics, chart data and incidents answer JSON")
  void liveRoutes() throws Exception {
    // two scored samples on their way to the dashboard: the charts have something to show
    Promise<Void> twoSamples = Promise.promise();
    int[] seen = {0};
    var samples =
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.DASHBOARD_METRICS,
                m -> {
                  if (++seen[0] >= 2) {
                    twoSamples.tryComplete();
                  }
                });
    await(samples.completion());
    await(twoSamples.future());
    await(samples.unregister());
    JsonObject status = get("/api/status").bodyAsJsonObject();
    assertThat(status.getString("status")).isEqualTo("learning");
    assertThat(status.getLong("uptime")).isBetween(0L, 30L);
    JsonObject latest = get("/api/metrics").bodyAsJsonObject();
    assertThat(latest.getDouble("cpu_percent")).isBetween(0.0, 100.0);
    assertThat(latest.getValue("is_anomaly"))
        .as("booleans are booleans")
        .isInstanceOf(Boolean.class);
    JsonArray points = get("/api/chart-data").bodyAsJsonObject().getJsonArray("points");
    assertThat(points.size()).isBetween(2, 20);
    JsonArray incidents = get("/api/anomalies").bodyAsJsonObject().getJsonArray("incidents");
    // while learning only a hard rule can open one; whatever is there says why
    assertThat(incidents.stream().map(JsonObject.class::cast))
        .allSatisfy(i -> assertThat(i.getString("reason")).isNotBlank());
    HttpResponse<Buffer> badLimit = get("/api/anomalies?limit=abc");
    assertThat(badLimit.statusCode()).isEqualTo(400);
    assertThat(badLimit.bodyAsJsonObject().getString("error")).contains("limit");
  }

  @Test
  @DisplayName("the page is rendered with the settings and the local assets are served")
  void pageAndAssets() throws Exception {
    HttpResponse<Buffer> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.bodyAsString()).contains("Metrics Anomaly Detector").doesNotContain("{{");
    // the page loads the WebJars pom.xml declares, from this server
    assertThat(WebJars.UPLOT).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(page.bodyAsString())
        .contains("/webjars/uplot/" + WebJars.UPLOT + "/dist/uPlot.iife.min.js")
        .contains(WebJars.SOCKJS_URL);
    assertThat(get("/webjars/uplot/" + WebJars.UPLOT + "/dist/uPlot.iife.min.js").statusCode())
        .isEqualTo(200);
    assertThat(get(WebJars.SOCKJS_URL).statusCode()).isEqualTo(200);
    assertThat(get("/static/app.css").statusCode()).isEqualTo(200);
    assertThat(get("/eventbus/iframe.html").bodyAsString())
        .as("no CDN, even for SockJS's iframe transport")
        .contains(WebJars.SOCKJS_URL)
        .doesNotContain("cdn.");
    HttpResponse<Buffer> missing = get("/api/nothing-here");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getString("error")).contains("/api/nothing-here");
  }

  @Test
  @DisplayName(
      "an uploaded CSV is analysed with progress, kept under its name, and can be downloaded")
  void uploadHistoryDownloads() throws Exception {
    assertThat(get("/api/csv-data").statusCode()).isEqualTo(404);
    JsonObject done = uploadAndWait("seed sample <b>.csv", FIXTURE);
    assertThat(done.getString("phase")).isEqualTo("done");
    long id = done.getLong("analysis_id");
    JsonObject job = get("/api/jobs/" + done.getString("job_id")).bodyAsJsonObject();
    assertThat(job.getString("state")).isEqualTo("done");
    assertThat(job.getDouble("progress")).isEqualTo(1.0);
    assertThat(job.getLong("analysis_id")).isEqualTo(id);
    assertThat(job.getString("file_name")).isEqualTo("seed sample _b_.csv");
    assertThat(job.containsKey("error")).isFalse();

    JsonArray history = get("/api/analysis-history").bodyAsJsonObject().getJsonArray("analyses");
    assertThat(history).hasSize(1);
    JsonObject analysis = history.getJsonObject(0);
    assertThat(analysis.getString("file_name")).isEqualTo("seed sample _b_.csv");
    assertThat(analysis.getString("source")).isEqualTo("upload");
    assertThat(analysis.getLong("rows")).isEqualTo(2000);
    // the sample has 110 labelled anomalies; the engine flags them with F1 >= 0.97
    // (FixtureDetectionTest)
    long flagged = analysis.getLong("anomalies");
    assertThat(flagged).isBetween(105L, 115L);

    JsonObject details = get("/api/analysis-details/" + id).bodyAsJsonObject();
    assertThat(details.getJsonArray("anomalies")).hasSize((int) flagged);
    assertThat(details.getJsonArray("anomalies").getJsonObject(0).getJsonArray("severity_factors"))
        .isNotEmpty();
    JsonObject chart = details.getJsonObject("chart");
    assertThat(chart.getJsonArray("columns")).contains("cpu_percent");
    // the analysis view lists incidents first: they come with the chart, each with its reason
    assertThat(chart.getInteger("incident_count")).isPositive().isLessThanOrEqualTo((int) flagged);
    assertThat(chart.getJsonArray("incidents")).hasSize(chart.getInteger("incident_count"));
    assertThat(chart.getJsonArray("incidents").getJsonObject(0).getString("reason")).isNotBlank();
    assertThat(chart.getJsonArray("points").size()).isEqualTo(2000);
    assertThat(
            chart.getJsonArray("points").stream()
                .filter(p -> ((JsonObject) p).getBoolean("is_anomaly"))
                .count())
        .isEqualTo(flagged);
    assertThat(get("/api/csv-data").bodyAsJsonObject().getJsonObject("analysis").getLong("id"))
        .isEqualTo(id);
    assertThat(get("/api/csv-anomalies").bodyAsJsonObject().getJsonArray("anomalies"))
        .hasSize((int) flagged);

    HttpResponse<Buffer> csv = get("/api/analyses/" + id + "/results.csv");
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.getHeader("Content-Disposition")).contains("seed sample _b_-results.csv");
    assertThat(csv.bodyAsString().lines().count()).isEqualTo(2001);
    HttpResponse<Buffer> json = get("/api/analyses/" + id + "/results.json");
    assertThat(json.statusCode()).isEqualTo(200);
    JsonArray jsonRows = json.bodyAsJsonObject().getJsonArray("rows");
    assertThat(jsonRows).hasSize(2000);
    assertThat(jsonRows.getJsonObject(0).getValue("is_anomaly")).isInstanceOf(Boolean.class);
    assertThat(
            jsonRows.stream().map(JsonObject.class::cast).filter(r -> r.getBoolean("is_anomaly")))
        .isNotEmpty()
        .allMatch(r -> r.getValue("incident_id") instanceof Number);

    assertThat(get("/api/analysis-details/9999").statusCode()).isEqualTo(404);
    assertThat(get("/api/analyses/9999/results.csv").statusCode()).isEqualTo(404);
    assertThat(get("/api/analysis-details/x").statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName(
      "a bad upload fails its analysis with the reason; an oversized one gets 413; the server stays up")
  void badUploads() throws Exception {
    Path bad =
        Files.writeString(
            logs.resolve("bad.csv"), "timestamp,cpu_percent\n2025-01-01 00:00:00,abc\n");
    JsonObject failed = uploadAndWait("bad.csv", bad);
    assertThat(failed.getString("phase")).isEqualTo("failed");
    assertThat(failed.getString("error")).contains("'abc' is not a number");
    JsonObject job = get("/api/jobs/" + failed.getString("job_id")).bodyAsJsonObject();
    assertThat(job.getString("state")).isEqualTo("failed");
    assertThat(job.getString("error")).contains("'abc' is not a number");
    assertThat(job.containsKey("analysis_id")).isFalse();

    Path big = logs.resolve("big.csv");
    Files.write(big, new byte[2 * 1024 * 1024]);
    HttpResponse<Buffer> tooBig = upload("big.csv", big);
    assertThat(tooBig.statusCode()).isEqualTo(413);
    assertThat(tooBig.bodyAsJsonObject().getString("error")).contains("1 MB");

    HttpResponse<Buffer> noFile = await(client.post(port, "127.0.0.1", "/api/upload-csv").send());
    assertThat(noFile.statusCode()).isEqualTo(400);
    assertThat(get("/api/status").statusCode()).isEqualTo(200);
    assertThat(get("/api/analysis-history").bodyAsJsonObject().getJsonArray("analyses")).isEmpty();
  }

  @Test
  @DisplayName(
      "an empty, binary, ';'-separated or headless upload is refused with 400 naming the problem, before any job")
  void refusedBeforeAccepting() throws Exception {
    Path empty = Files.write(logs.resolve("empty.csv"), new byte[0]);
    Path binary =
        Files.write(
            logs.resolve("image.csv"),
            new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13});
    Path semicolons =
        Files.writeString(
            logs.resolve("excel.csv"), "timestamp;cpu_percent\n2025-01-01 00:00:00;12,5\n");
    Path noTimestamp =
        Files.writeString(
            logs.resolve("no-time.csv"), "time,cpu_percent\n2025-01-01 00:00:00,12.5\n");
    Path onlyTimestamp =
        Files.writeString(logs.resolve("only-time.csv"), "timestamp\n2025-01-01 00:00:00\n");
    Path wide =
        Files.writeString(
            logs.resolve("wide.csv"),
            "timestamp"
                + ",m".repeat(40_000)
                + "\n2025-01-01 00:00:00"
                + ",1".repeat(40_000)
                + "\n");
    var analysisEvents = new CopyOnWriteArrayList<JsonObject>();
    await(
        vertx
            .eventBus()
            .<JsonObject>consumer(Addresses.DASHBOARD_ANALYSIS, m -> analysisEvents.add(m.body()))
            .completion());

    assertRefused(upload("empty.csv", empty), "empty.csv", "empty");
    assertRefused(upload("image.csv", binary), "image.csv", "binary");
    assertRefused(upload("excel.csv", semicolons), "excel.csv", "';'", "comma-separated");
    assertRefused(upload("no-time.csv", noTimestamp), "no-time.csv", "no 'timestamp' column");
    assertRefused(
        upload("only-time.csv", onlyTimestamp), "only-time.csv", "no column besides 'timestamp'");
    assertRefused(upload("wide.csv", wide), "wide.csv", "40001 columns", "at most 4096");

    HttpResponse<Buffer> waited = upload("/api/upload-csv?wait=true", "empty.csv", empty);
    assertRefused(waited, "empty.csv", "empty");
    assertThat(waited.bodyAsJsonObject().getBoolean("success")).isFalse();

    // nothing was started or kept: a later good upload is the first event, and no refused file
    // stays in uploads/
    JsonObject good = uploadAndWait("seed.csv", FIXTURE);
    assertThat(analysisEvents)
        .first()
        .satisfies(e -> assertThat(e.getString("job_id")).isEqualTo(good.getString("job_id")));
    try (var left = Files.list(logs.resolve("uploads"))) {
      assertThat(left).isEmpty();
    }
    assertThat(get("/api/analysis-history").bodyAsJsonObject().getJsonArray("analyses")).hasSize(1);
  }

  private static void assertRefused(HttpResponse<Buffer> response, String... inError) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).contains(inError);
  }

  @Test
  @DisplayName(
      "GET /api/jobs/:id follows an upload from queued or running to done; an unknown job is 404")
  void jobState() throws Exception {
    HttpResponse<Buffer> unknown = get("/api/jobs/7f1c0e1e-0000-4000-8000-000000000000");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.bodyAsJsonObject().getString("error")).contains("no upload job");

    Promise<JsonObject> finished = Promise.promise();
    await(
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.DASHBOARD_ANALYSIS,
                m -> {
                  if (m.body().getString("phase").equals("done")) {
                    finished.tryComplete(m.body());
                  }
                })
            .completion());
    HttpResponse<Buffer> accepted = upload("seed.csv", FIXTURE);
    assertThat(accepted.statusCode()).isEqualTo(202);
    String jobId = accepted.bodyAsJsonObject().getString("job_id");
    JsonObject early = get("/api/jobs/" + jobId).bodyAsJsonObject();
    assertThat(early.getString("job_id")).isEqualTo(jobId);
    assertThat(early.getString("state")).isIn("queued", "running", "done");
    assertThat(early.getDouble("progress")).isBetween(0.0, 1.0);

    JsonObject done = await(finished.future());
    JsonObject job = get("/api/jobs/" + jobId).bodyAsJsonObject();
    assertThat(job.getString("state")).isEqualTo("done");
    assertThat(job.getDouble("progress")).isEqualTo(1.0);
    assertThat(job.getLong("analysis_id")).isEqualTo(done.getLong("analysis_id"));
  }

  @Test
  @DisplayName(
      "POST /api/upload-csv?wait=true answers when the analysis is done, with its totals, or with its error")
  void uploadAndWaitForTheAnswer() throws Exception {
    HttpResponse<Buffer> answered = upload("/api/upload-csv?wait=true", "seed.csv", FIXTURE);
    assertThat(answered.statusCode()).as(answered.bodyAsString()).isEqualTo(200);
    JsonObject result = answered.bodyAsJsonObject();
    assertThat(result.getBoolean("success")).isTrue();
    assertThat(result.getLong("total_records")).isEqualTo(2000);
    long flagged = result.getLong("anomalies_found");
    assertThat(flagged).isBetween(105L, 115L);
    assertThat(result.getDouble("anomaly_rate")).isCloseTo(flagged / 2000.0, Offset.offset(1e-9));
    JsonObject analysis =
        get("/api/analysis-history").bodyAsJsonObject().getJsonArray("analyses").getJsonObject(0);
    assertThat(result.getLong("analysis_id")).isEqualTo(analysis.getLong("id"));
    assertThat(analysis.getLong("anomalies")).isEqualTo(flagged);

    Path bad =
        Files.writeString(
            logs.resolve("bad.csv"), "timestamp,cpu_percent\n2025-01-01 00:00:00,abc\n");
    HttpResponse<Buffer> failed = upload("/api/upload-csv?wait=true", "bad.csv", bad);
    assertThat(failed.statusCode()).isEqualTo(400);
    assertThat(failed.bodyAsJsonObject().getBoolean("success")).isFalse();
    assertThat(failed.bodyAsJsonObject().getString("error")).contains("'abc' is not a number");

    HttpResponse<Buffer> badFlag = upload("/api/upload-csv?wait=soon", "seed.csv", FIXTURE);
    assertThat(badFlag.statusCode()).isEqualTo(400);
    assertThat(badFlag.bodyAsJsonObject().getString("error")).contains("'wait'");
  }

  @Test
  @DisplayName(
      "a 404 for an analysis says whether it never existed or its results are no longer kept")
  void unknownOrPrunedAnalysis() throws Exception {
    StringBuilder csv = new StringBuilder("timestamp,cpu_percent,memory_percent\n");
    for (int i = 0; i < 60; i++) {
      csv.append(String.format("2025-01-01 00:%02d:00,%d.5,%d.25%n", i, 10 + i % 7, 40 + i % 3));
    }
    Path small = Files.writeString(logs.resolve("small.csv"), csv);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i <= KEPT_RESULTS; i++) {
      HttpResponse<Buffer> answer =
          upload("/api/upload-csv?wait=true", "small-" + i + ".csv", small);
      assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
      ids.add(answer.bodyAsJsonObject().getLong("analysis_id"));
    }
    long oldest = ids.get(0);
    long newest = ids.get(ids.size() - 1);
    assertThat(get("/api/analyses/" + newest + "/results.csv").statusCode()).isEqualTo(200);

    HttpResponse<Buffer> pruned = get("/api/analyses/" + oldest + "/results.csv");
    assertThat(pruned.statusCode()).isEqualTo(404);
    assertThat(pruned.bodyAsJsonObject().getString("error"))
        .contains(
            "results of analysis #"
                + oldest
                + " are no longer kept (only the newest "
                + KEPT_RESULTS
                + " are)");
    JsonObject stillListed = get("/api/analysis-details/" + oldest).bodyAsJsonObject();
    assertThat(stillListed.getJsonObject("analysis").getString("file_name"))
        .isEqualTo("small-0.csv");
    assertThat(stillListed.getBoolean("results_available")).isFalse();

    long never = newest + 1000;
    for (String path :
        List.of(
            "/api/analyses/" + never + "/results.csv",
            "/api/analyses/" + never + "/results.json",
            "/api/analysis-details/" + never)) {
      HttpResponse<Buffer> missing = get(path);
      assertThat(missing.statusCode()).as(path).isEqualTo(404);
      assertThat(missing.bodyAsJsonObject().getString("error"))
          .as(path)
          .contains("no analysis #" + never)
          .doesNotContain("no longer kept");
    }
  }
}
