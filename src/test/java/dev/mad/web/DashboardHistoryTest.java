package dev.mad.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.IncidentChange;
import dev.mad.bus.MetricSample;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's incident history in a real headless Chromium: the real detector opens and closes
 * an incident (the test plays the host on {@code metrics.sample}, as {@link DashboardIncidentTest}
 * does), the page lists and filters it, shows its detail, and works it through the real routes:
 * acknowledge, false alarm, silences; an alert's link {@code /?host=H&incident=ID} opens it.
 */
class DashboardHistoryTest {
  private static final Path SHOTS = Path.of("target", "screenshots");
  private static final long SECOND_MS = 1000;
  private static final String HOST = "test-host";

  /** Samples of the quiet host: enough for the 10 s baseline after the detector's 5 s skip. */
  private static final int QUIET_SAMPLES = 20;

  /** The burst: CPU at 99 % (the cpu_critical rule) for this many samples... */
  private static final int BURST_SAMPLES = 5;

  /** ...then quiet again, more than enough samples for the incident to close. */
  private static final int AFTER_SAMPLES = 15;

  private static final String NAME = "Ada Lovelace";

  /** Text that would be markup if the page inserted it as HTML. */
  private static final String COMMENT = "CPU burst from the <b>nightly</b> batch & friends";

  @TempDir Path logs;
  private Vertx vertx;
  private ChromeDriver browser;
  private int port;
  private long firstSampleMs;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    browser = HeadlessChromium.start();
    browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of("locale", "en-US"));
    Files.createDirectories(SHOTS);
    firstSampleMs =
        System.currentTimeMillis() - (QUIET_SAMPLES + BURST_SAMPLES + AFTER_SAMPLES) * SECOND_MS;
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
            new MetricSample(firstSampleMs + i * SECOND_MS, HOST, values).toJson());
  }

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

  /** CPU at 99 % for a few samples, then quiet; returns the incident as the detector closed it. */
  private JsonObject burstThenQuiet() throws Exception {
    Promise<JsonObject> closed = Promise.promise();
    var incidents =
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.INCIDENT,
                m -> {
                  if (IncidentChange.CLOSED.equals(m.body().getString("change"))) {
                    closed.tryComplete(m.body().getJsonObject("incident"));
                  }
                });
    ServerFixture.await(incidents.completion());
    for (int b = 0; b < BURST_SAMPLES; b++) {
      double[] values = ServerFixture.quiet(QUIET_SAMPLES + b);
      values[0] = 99;
      publish(QUIET_SAMPLES + b, values);
    }
    for (int a = 0; a < AFTER_SAMPLES; a++) {
      int i = QUIET_SAMPLES + BURST_SAMPLES + a;
      publish(i, ServerFixture.quiet(i));
    }
    return ServerFixture.await(closed.future());
  }

  /** Waits for a condition; the table and the pane are redrawn whole, so a found row may go stale. */
  private WebDriverWait waitUpTo(int seconds) {
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(seconds));
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  private String base() {
    return "http://127.0.0.1:" + port;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject getJson(String path) {
    try {
      HttpResponse<String> res = get(path);
      assertThat(res.statusCode()).as("GET %s: %s", path, res.body()).isEqualTo(200);
      return new JsonObject(res.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private HttpResponse<String> postJson(String path, JsonObject body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The history's row of the incident, as the server has it now; null before persist wrote it. */
  private JsonObject storedRow(long id) {
    JsonArray rows = getJson("/api/incidents?host=" + HOST).getJsonArray("incidents");
    return rows.stream()
        .map(JsonObject.class::cast)
        .filter(r -> r.getLong("id") == id)
        .findFirst()
        .orElse(null);
  }

  private List<WebElement> historyRows() {
    return browser.findElements(By.cssSelector("#ih-table tbody tr.ih-row"));
  }

  private WebElement historyRow(long id) {
    return browser.findElement(By.cssSelector("#ih-table tbody tr.ih-row[data-id='" + id + "']"));
  }

  private boolean listed(long id) {
    return !browser
        .findElements(By.cssSelector("#ih-table tbody tr.ih-row[data-id='" + id + "']"))
        .isEmpty();
  }

  private boolean emptyShown() {
    return browser.findElement(By.id("ih-empty")).isDisplayed() && historyRows().isEmpty();
  }

  private String pane() {
    return browser.findElement(By.id("ih-detail")).getText();
  }

  private void filter(String severity, String state) {
    new Select(browser.findElement(By.id("ih-severity"))).selectByValue(severity);
    new Select(browser.findElement(By.id("ih-state"))).selectByValue(state);
    browser.findElement(By.id("ih-apply")).click();
  }

  private void type(String id, String text) {
    WebElement input = browser.findElement(By.id(id));
    input.clear();
    input.sendKeys(text);
  }

  /** Scrolls the element to the top of the window, below the sticky top bar. */
  private void scrollTo(String id) {
    browser.executeScript(
        "var e = document.getElementById(arguments[0]);"
            + "window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY"
            + " - document.querySelector('.topbar').offsetHeight - 8);",
        id);
  }

  private void screenshot(String name) throws Exception {
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  @DisplayName(
      "incident history: the detector's incident is listed, filtered, shown in detail, worked"
          + " (acknowledge, false alarm, silences) and opened by an alert's link")
  void historyAndActions() throws Exception {
    startServer();
    learnQuietHost();
    JsonObject incident = burstThenQuiet();
    long id = incident.getLong("id");
    String severity = incident.getString("severity");
    assertThat(incident.getString("ended")).as("the detector closed the incident").isNotNull();
    // persist writes the close just after the detector publishes it
    waitUpTo(10)
        .until(d -> storedRow(id) != null && "closed".equals(storedRow(id).getString("state")));

    browser.get(base() + "/");
    waitUpTo(15).until(d -> listed(id));
    type("ih-host", HOST);
    browser.findElement(By.id("ih-apply")).click();
    waitUpTo(10)
        .until(
            d ->
                historyRows().size() == 1
                    && d.findElement(By.id("ih-range")).getText().equals("1\u20131 of 1"));
    String rowText = historyRow(id).getText();
    assertThat(rowText).contains(HOST).containsIgnoringCase(severity).contains("closed");
    assertThat(historyRow(id).findElement(By.cssSelector(".ih-reason")).getText()).isNotBlank();

    // a severity the incident does not have, then an open state: nothing matches
    String other = severity.equals("medium") ? "high" : "medium";
    filter(other, "");
    waitUpTo(10).until(d -> emptyShown());
    filter(severity, "open");
    waitUpTo(10).until(d -> emptyShown());
    filter(severity, "closed");
    waitUpTo(10).until(d -> listed(id) && !d.findElement(By.id("ih-empty")).isDisplayed());
    filter("", "");
    waitUpTo(10).until(d -> listed(id));

    // the detail pane
    historyRow(id).findElement(By.tagName("button")).click();
    waitUpTo(10)
        .until(
            d ->
                d.findElement(By.id("ih-detail")).isDisplayed()
                    && d.findElement(By.id("ih-detail-title"))
                        .getText()
                        .equals("Incident #" + id + " on " + HOST));
    assertThat(pane())
        .contains(incident.getString("reason"))
        .contains("Detectors")
        .contains("cpu_percent")
        .contains("Expected vs. actual")
        .contains("not acknowledged")
        .contains("not marked as a false alarm");
    assertThat(browser.findElements(By.cssSelector("#ih-detail .contrib"))).isNotEmpty();
    assertThat(browser.findElement(By.id("ih-silence-metric")).getText())
        .as("the second silence button names the leading metric")
        .matches("Silence host \\+ [a-z_]+");

    // a server error is shown as the server wrote it
    browser.executeScript("document.getElementById('ih-by').value = 'x'.repeat(101);");
    browser.findElement(By.id("ih-ack")).click();
    waitUpTo(10)
        .until(
            d ->
                d.findElement(By.id("ih-action-status"))
                    .getText()
                    .equals("Error: field 'by' must be at most 100 characters"));

    // acknowledge with a comment
    type("ih-by", NAME);
    type("ih-comment", COMMENT);
    browser.findElement(By.id("ih-ack")).click();
    waitUpTo(10).until(d -> pane().contains("acknowledged by " + NAME) && pane().contains(COMMENT));
    assertThat(browser.findElements(By.cssSelector("#ih-detail b")))
        .as("the comment is text, not markup")
        .isEmpty();
    JsonObject stored = storedRow(id);
    assertThat(stored.getString("acknowledged_by")).isEqualTo(NAME);
    assertThat(stored.getString("comment")).isEqualTo(COMMENT);
    waitUpTo(10).until(d -> historyRow(id).getText().contains("acknowledged"));

    // mark it a false alarm
    browser.findElement(By.id("ih-false-alarm")).click();
    waitUpTo(10)
        .until(
            d ->
                pane().contains("marked as a false alarm")
                    && !pane().contains("not marked as a false alarm")
                    && !historyRow(id).findElements(By.cssSelector(".ih-badge-false")).isEmpty());
    assertThat(storedRow(id).getBoolean("false_alarm")).isTrue();

    // silence the host for an hour
    new Select(browser.findElement(By.id("ih-silence-for"))).selectByValue("3600");
    long asked = System.currentTimeMillis();
    browser.findElement(By.id("ih-silence-host")).click();
    waitUpTo(10)
        .until(
            d ->
                d.findElement(By.id("ih-action-status"))
                    .getText()
                    .startsWith("Silenced " + HOST + " until"));
    JsonArray silences = getJson("/api/silences").getJsonArray("silences");
    JsonObject hostSilence =
        silences.stream()
            .map(JsonObject.class::cast)
            .filter(s -> HOST.equals(s.getString("host")) && s.getString("metric") == null)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no silence of " + HOST + " in " + silences));
    assertThat(hostSilence.getString("by")).isEqualTo(NAME);
    long until = Instant.parse(hostSilence.getString("until")).toEpochMilli();
    assertThat(until - asked).isBetween(3_590_000L, 3_610_000L);
    waitUpTo(10)
        .until(
            d ->
                pane().contains("silenced until")
                    && !historyRow(id)
                        .findElements(By.cssSelector(".ih-badge-silenced"))
                        .isEmpty());

    // the host and its leading metric for four hours
    String metric = browser.findElement(By.id("ih-silence-metric")).getAttribute("data-metric");
    new Select(browser.findElement(By.id("ih-silence-for"))).selectByValue("14400");
    browser.findElement(By.id("ih-silence-metric")).click();
    waitUpTo(10)
        .until(
            d ->
                d.findElement(By.id("ih-action-status"))
                    .getText()
                    .startsWith("Silenced " + HOST + ", " + metric + " until"));
    assertThat(getJson("/api/silences").getJsonArray("silences").stream())
        .map(JsonObject.class::cast)
        .anyMatch(s -> HOST.equals(s.getString("host")) && metric.equals(s.getString("metric")));
    waitUpTo(10).until(d -> pane().contains(HOST + ", " + metric + ": until"));

    // someone else resolves it: the page hears dashboard.worked and shows it
    HttpResponse<String> resolved =
        postJson(
            "/api/incidents/resolve",
            new JsonObject().put("host", HOST).put("id", id).put("by", "ops-bot"));
    assertThat(resolved.statusCode()).as(resolved.body()).isEqualTo(200);
    waitUpTo(10)
        .until(
            d ->
                pane().contains("resolved by ops-bot")
                    && !historyRow(id)
                        .findElements(By.cssSelector(".ih-badge-resolved"))
                        .isEmpty());
    scrollTo("ih");
    screenshot("incident-history.png");
    scrollTo("ih-detail");
    screenshot("incident-detail.png");
    scrollTo("ih-actions");
    screenshot("incident-actions.png");

    // an alert's link opens the incident; the name typed earlier is remembered
    browser.get(base() + "/?incident=" + id + "&host=" + HOST);
    waitUpTo(15)
        .until(
            d ->
                d.findElement(By.id("ih-detail")).isDisplayed()
                    && d.findElement(By.id("ih-detail-title"))
                        .getText()
                        .equals("Incident #" + id + " on " + HOST));
    assertThat(pane())
        .contains("acknowledged by " + NAME)
        .contains("resolved by ops-bot")
        .contains(COMMENT);
    assertThat(browser.findElement(By.id("ih-by")).getAttribute("value")).isEqualTo(NAME);
    assertThat(browser.findElement(By.tagName("body")).getText())
        .doesNotContain("NaN")
        .doesNotContain("undefined");

    browser.manage().window().setSize(new Dimension(390, 844));
    waitUpTo(5).until(d -> ((Long) browser.executeScript("return window.innerWidth")) <= 390);
    assertThat(
            (Long)
                browser.executeScript(
                    "return document.documentElement.scrollWidth - window.innerWidth"))
        .as("no horizontal scrolling at phone width")
        .isLessThanOrEqualTo(0L);
    scrollTo("ih");
    screenshot("incident-history-phone.png");
  }
}
