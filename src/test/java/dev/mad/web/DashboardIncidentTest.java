package dev.mad.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import dev.mad.files.LogsDir;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * How the dashboard explains an incident, in a real headless Chromium. The test plays the host: the
 * collector is silenced (one sample an hour) and the test publishes samples on {@code metrics.sample},
 * so the real detector learns a quiet host and then opens a real incident at a moment the test knows.
 */
class DashboardIncidentTest {
  private static final Path SHOTS = Path.of("target", "screenshots");
  private static final long SECOND_MS = 1000;

  /** Samples of the quiet host: enough for the 10 s baseline after the detector's 5 s start-up skip. */
  private static final int QUIET_SAMPLES = 20;

  /** The burst: CPU at 99 % (the cpu_critical rule) for this many samples... */
  private static final int BURST_SAMPLES = 5;

  /** ...and, on this one of them, the disk writing 80 MB/s instead of 2. */
  private static final int DISK_SPIKE = 2;

  @TempDir Path logs;
  private Vertx vertx;
  private ChromeDriver browser;
  private int port;
  private long firstSampleMs;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    browser = HeadlessChromium.start();
    Files.createDirectories(SHOTS);
    // The samples end about now, so the page's clock and the charts agree.
    firstSampleMs = System.currentTimeMillis() - (QUIET_SAMPLES + BURST_SAMPLES) * SECOND_MS;
  }

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    ServerFixture.await(vertx.close());
  }

  /** The whole server with the collector silenced; the test's samples are the only ones. */
  private void startServer() throws Exception {
    port = ServerFixture.startSilenced(vertx, logs, new JsonObject().put("chart_points", 60));
  }

  private void publish(int i, double[] values) {
    vertx
        .eventBus()
        .publish(
            Addresses.METRICS_SAMPLE,
            new MetricSample(firstSampleMs + i * SECOND_MS, "test-host", values).toJson());
  }

  /** Feeds the quiet host until the detector has trained its model on it (the consumers live until vertx closes). */
  private void learnQuietHost() throws Exception {
    Promise<Void> trained = Promise.promise();
    var status =
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.DASHBOARD_STATUS,
                m -> {
                  if (m.body().getBoolean("is_trained", false)) {
                    trained.tryComplete();
                  }
                });
    ServerFixture.await(status.completion());
    for (int i = 0; i < QUIET_SAMPLES; i++) {
      publish(i, ServerFixture.quiet(i));
    }
    ServerFixture.await(trained.future());
  }

  /**
   * The burst, after the quiet samples; returns once the detector has published the incident that
   * matches {@code expected} (so a failure later is the page's, not the detector's).
   */
  private JsonObject burst(Predicate<JsonObject> expected) throws Exception {
    Promise<JsonObject> seen = Promise.promise();
    var incidents =
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.INCIDENT,
                m -> {
                  if (expected.test(m.body().getJsonObject("incident"))) {
                    seen.tryComplete(m.body().getJsonObject("incident"));
                  }
                });
    ServerFixture.await(incidents.completion());
    for (int b = 0; b < BURST_SAMPLES; b++) {
      int i = QUIET_SAMPLES + b;
      double[] values = ServerFixture.quiet(i);
      values[0] = 99;
      if (b == DISK_SPIKE) {
        values[5] = 80;
      }
      publish(i, values);
    }
    return ServerFixture.await(seen.future());
  }

  private static boolean namesMetric(JsonObject incident, String metric) {
    return incident.getJsonArray("detectors").stream()
        .anyMatch(d -> metric.equals(((JsonObject) d).getString("metric")));
  }

  /**
   * Loads the page and waits until it shows {@code samples} samples and the trained detector's status,
   * and listens to the bridge.
   */
  private void openDashboard(int samples) {
    browser.get("http://127.0.0.1:" + port + "/");
    waitUpTo(15)
        .until(
            d ->
                chartPoints("cpu_percent") == samples
                    && d.findElement(By.id("status")).getText().contains("Active")
                    && d.findElement(By.id("connection"))
                        .getAttribute("class")
                        .contains("conn-open"));
  }

  private WebDriverWait waitUpTo(int seconds) {
    return new WebDriverWait(browser, Duration.ofSeconds(seconds));
  }

  private long chartPoints(String metric) {
    return (Long)
        browser.executeScript(
            "var u = window.madDashboard && madDashboard.charts[arguments[0]];"
                + "return u ? u.data[1].filter(function (v) { return v !== null; }).length : -1;",
            metric);
  }

  /** The anomaly dots a live chart draws: the non-empty values of its anomaly series. */
  private Map<String, Long> anomalyDots() {
    @SuppressWarnings("unchecked")
    Map<String, Long> dots =
        (Map<String, Long>)
            browser.executeScript(
                "var out = {};"
                    + "Object.keys(madDashboard.charts).forEach(function (k) {"
                    + "  out[k] = madDashboard.charts[k].data[2].filter(function (v) { return v !== null; }).length; });"
                    + "return out;");
    return dots;
  }

  @SuppressWarnings("unchecked")
  private List<String> highlightedCards() {
    return (List<String>)
        browser.executeScript(
            "return Array.prototype.map.call(document.querySelectorAll('.metric-card.is-anomaly'),"
                + " function (c) { return c.dataset.metric; });");
  }

  private int listedIncidents() {
    return browser.findElements(By.cssSelector("#incident-list > li")).size();
  }

  private int ongoingIncidents() {
    return browser.findElements(By.cssSelector("#incident-list > li.is-ongoing")).size();
  }

  private String incidentCounter() {
    return browser.findElement(By.id("stat-incidents")).getText();
  }

  /**
   * An incident an earlier run of the server left in anomalies.json, in the detector's shape; still open
   * there, as when the server stopped during it.
   */
  private JsonObject earlierIncident() {
    long started = firstSampleMs - 3_600 * SECOND_MS;
    return new JsonObject()
        .put("id", started)
        .put("timestamp", iso(started))
        .put("metrics", new JsonObject().put("memory_percent", 97.0))
        .put("reason", "High memory consumption")
        .put("severity_factors", new JsonArray().add("Memory: 97.0%"))
        .put("severity", "critical")
        .put("host", "test-host")
        .put(
            "detectors",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("name", "rule:memory_critical")
                        .put("metric", "memory_percent")
                        .put("value", 97.0)
                        .put("threshold", 95.0)))
        .put("contributions", new JsonObject().put("memory_percent", 100.0))
        .put("expected", new JsonObject().put("memory_percent", 41.0))
        .put("started", iso(started))
        .putNull("ended")
        .put("duration_s", 30.0)
        .put("samples", 31);
  }

  private static String iso(long epochMs) {
    return Instant.ofEpochMilli(epochMs).toString();
  }

  /**
   * Runs in the page before its own scripts: sets the locale of Intl and toLocale*, and keeps the texts
   * the charts draw on their canvases (uPlot's axis labels exist nowhere else).
   */
  private void beforePageScripts(String locale) {
    browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of("locale", locale));
    browser.executeCdpCommand(
        "Page.addScriptToEvaluateOnNewDocument",
        Map.of(
            "source",
            String.join(
                "\n",
                "window.__chartTexts = [];",
                "var fillText = CanvasRenderingContext2D.prototype.fillText;",
                "CanvasRenderingContext2D.prototype.fillText = function (t) {",
                "  var chart = this.canvas && this.canvas.closest ? this.canvas.closest('.chart') : null;",
                "  if (chart) window.__chartTexts.push({ chart: chart.id, text: String(t) });",
                "  return fillText.apply(this, arguments);",
                "};")));
  }

  /** The time labels (texts with a colon) drawn on a chart's canvas. */
  @SuppressWarnings("unchecked")
  private List<String> timeLabels(String chartId) {
    return (List<String>)
        browser.executeScript(
            "var id = arguments[0]; return window.__chartTexts"
                + ".filter(function (e) { return e.chart === id && e.text.indexOf(':') >= 0; })"
                + ".map(function (e) { return e.text; });",
            chartId);
  }

  private void screenshot(String name) throws Exception {
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  @DisplayName(
      "only the metrics that explain the open incident are marked, on the cards and on the charts")
  void marksWhatExplainsTheIncident() throws Exception {
    startServer();
    learnQuietHost();
    openDashboard(QUIET_SAMPLES);
    assertThat(highlightedCards()).as("no card is marked on a quiet host").isEmpty();
    assertThat(anomalyDots().values()).as("no anomaly dot on a quiet host").containsOnly(0L);

    JsonObject incident =
        burst(in -> namesMetric(in, "cpu_percent") && namesMetric(in, "disk_write_mb"));
    assertThat(incident.getValue("ended")).as("the incident is still open").isNull();
    // the page has every sample and the incident as updated at the disk's spike
    waitUpTo(15)
        .until(
            d ->
                chartPoints("cpu_percent") == QUIET_SAMPLES + BURST_SAMPLES
                    && d.findElements(By.cssSelector("#incident-list .factor")).stream()
                        .anyMatch(f -> f.getText().startsWith("Disk write")));

    assertThat(highlightedCards())
        .as("cards of the incident's causes, CPU and disk write, and no others")
        .containsExactlyInAnyOrder("cpu_percent", "disk_write_mb");
    Map<String, Long> dots = anomalyDots();
    assertThat(dots.get("cpu_percent"))
        .as("CPU was at 99 percent on every sample of the burst")
        .isEqualTo(BURST_SAMPLES);
    assertThat(dots.get("disk_write_mb"))
        .as("the disk wrote 80 MB/s on one sample of the burst")
        .isEqualTo(1L);
    assertThat(dots)
        .as("metrics that did nothing unusual carry no dot")
        .containsEntry("cpu_frequency", 0L)
        .containsEntry("memory_percent", 0L)
        .containsEntry("memory_available_gb", 0L)
        .containsEntry("disk_read_mb", 0L)
        .containsEntry("network_sent_mb", 0L)
        .containsEntry("network_recv_mb", 0L);
    screenshot("incident-desktop.png");
  }

  @Test
  @DisplayName(
      "the incidents counter counts the incidents the list shows, those of an earlier run included")
  void counterAgreesWithList() throws Exception {
    Files.writeString(
        logs.resolve(LogsDir.INCIDENTS), new JsonArray().add(earlierIncident()).encodePrettily());
    startServer();
    learnQuietHost();
    openDashboard(QUIET_SAMPLES);
    waitUpTo(10).until(d -> listedIncidents() == 1);
    assertThat(incidentCounter())
        .as("the earlier run's incident, loaded from /api/anomalies")
        .isEqualTo("1");
    assertThat(highlightedCards())
        .as("the earlier run's incident is over: it marks no card")
        .isEmpty();
    assertThat(ongoingIncidents()).as("nor is it listed as ongoing").isZero();

    burst(in -> true);
    waitUpTo(15).until(d -> listedIncidents() == 2);
    assertThat(incidentCounter())
        .as("the live incident is counted with the earlier one")
        .isEqualTo("2");
    assertThat(ongoingIncidents()).as("the live incident is the one going on").isEqualTo(1);
    assertThat(highlightedCards()).contains("cpu_percent").doesNotContain("memory_percent");
  }

  @Test
  @DisplayName(
      "every time on the page, chart axes included, is written in the browser's locale, one format")
  void oneTimeFormat() throws Exception {
    startServer();
    learnQuietHost();
    beforePageScripts("en-US");
    openDashboard(QUIET_SAMPLES);
    burst(in -> true);
    waitUpTo(15).until(d -> listedIncidents() == 1);
    // en-US: a 12-hour clock; Chromium puts a narrow no-break space before AM/PM
    String twelveHour = "\\d{1,2}:\\d{2}(:\\d{2})?[ \u202f][AP]M";
    assertThat(browser.findElement(By.id("stat-model-trained")).getText())
        .as("when the model was trained")
        .matches(twelveHour + " \\(.*ago\\)");
    assertThat(browser.findElement(By.cssSelector("#incident-list .incident-time")).getText())
        .as("when the incident started")
        .matches(twelveHour);
    waitUpTo(10).until(d -> !timeLabels("chart-cpu_percent").isEmpty());
    assertThat(timeLabels("chart-cpu_percent"))
        .as("the CPU chart's time axis")
        .allMatch(l -> l.matches(twelveHour));

    browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of());
    browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of("locale", "de-DE"));
    openDashboard(QUIET_SAMPLES + BURST_SAMPLES);
    waitUpTo(15).until(d -> listedIncidents() == 1 && !timeLabels("chart-cpu_percent").isEmpty());
    String twentyFourHour = "\\d{1,2}:\\d{2}(:\\d{2})?";
    assertThat(browser.findElement(By.id("stat-model-trained")).getText())
        .matches(twentyFourHour + " \\(.*\\)");
    assertThat(browser.findElement(By.cssSelector("#incident-list .incident-time")).getText())
        .matches(twentyFourHour);
    assertThat(timeLabels("chart-cpu_percent")).allMatch(l -> l.matches(twentyFourHour));
  }
}
