package dev.mad.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's chromium + chromium-driver, which
 * .ci/run installs): live values and charts appear, and an uploaded CSV's result is shown.
 * Screenshots at desktop and phone width are left in target/screenshots for a person to check.
 */
class DashboardBrowserTest {
  private static final Path FIXTURE =
      Path.of("src/test/resources/fixtures/seed_sample_metrics2k.csv");
  private static final Path SHOTS = Path.of("target", "screenshots");

  /**
   * Scrolls the page (vertically only) to a table's first row and tells whether its last cell can be seen
   * there: inside the viewport and not hidden by a clipping box; with the label shown beside it and the
   * column's header text.
   */
  private static final String LAST_CELL_ON_SCREEN =
      String.join(
          "\n",
          "var table = document.getElementById(arguments[0]);",
          "var cells = table.querySelectorAll('tbody tr:first-child td');",
          "var cell = cells[cells.length - 1];",
          "var headers = table.querySelectorAll('thead th');",
          "var r = cell.getBoundingClientRect();",
          "window.scrollBy(0, r.top - window.innerHeight / 3);",
          "r = cell.getBoundingClientRect();",
          "var x = Math.min(r.right - 2, r.left + 20), y = r.top + Math.min(r.height / 2, 8);",
          "var hit = document.elementFromPoint(x, y);",
          "return { onScreen: r.left >= 0 && r.right <= window.innerWidth && !!hit && cell.contains(hit),",
          "  label: getComputedStyle(cell, '::before').content.replace(/^\"|\"$/g, ''),",
          "  header: headers[headers.length - 1].textContent };");

  @TempDir Path logs;
  private Vertx vertx;
  private ChromeDriver browser;
  private int port;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    port = ServerFixture.start(vertx, logs, new JsonObject().put("chart_points", 60));
    browser = HeadlessChromium.start();
    // the time formats asserted below are en-US's, whatever the machine's locale
    browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of("locale", "en-US"));
    Files.createDirectories(SHOTS);
  }

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    ServerFixture.await(vertx.close());
  }

  private WebDriverWait waitUpTo(int seconds) {
    return new WebDriverWait(browser, Duration.ofSeconds(seconds));
  }

  private void screenshot(String name) throws Exception {
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  @DisplayName("a user sees live values and charts, uploads a CSV and reads the flagged rows")
  void liveAndUpload() throws Exception {
    browser.get("http://127.0.0.1:" + port + "/");
    assertThat(browser.getTitle()).contains("Metrics Anomaly Detector");

    By cpu = By.cssSelector("[data-metric='cpu_percent'] .value");
    waitUpTo(15).until(d -> d.findElement(cpu).getText().matches(".*\\d.*"));
    String first =
        browser.findElement(By.cssSelector("[data-metric='memory_available_gb'] .value")).getText();
    assertThat(first).matches(".*\\d.*").doesNotContain("NaN");
    assertThat(browser.findElement(By.id("status")).getText()).containsIgnoringCase("learning");
    waitUpTo(15).until(d -> !d.findElements(By.cssSelector("#chart-cpu_percent canvas")).isEmpty());
    long points =
        Long.parseLong(
            browser.findElement(By.id("stat-data-points")).getText().replaceAll("\\D", ""));
    waitUpTo(10)
        .until(
            d ->
                Long.parseLong(
                        d.findElement(By.id("stat-data-points")).getText().replaceAll("\\D", ""))
                    > points);

    WebElement input = browser.findElement(By.id("upload-input"));
    input.sendKeys(FIXTURE.toAbsolutePath().toString());
    browser.findElement(By.id("upload-button")).click();
    waitUpTo(60)
        .until(d -> d.findElements(By.cssSelector("#analysis-table tbody tr")).size() >= 100);
    List<WebElement> rows = browser.findElements(By.cssSelector("#analysis-table tbody tr"));
    // 110 labelled anomalies; the engine flags them with F1 >= 0.97
    assertThat(rows).hasSizeBetween(105, 115);
    assertThat(browser.findElement(By.id("analysis-summary")).getText())
        .contains("seed_sample_metrics2k.csv")
        .containsPattern("2[,.\u202f]?000")
        .contains(String.valueOf(rows.size()));
    List<WebElement> incidents =
        browser.findElements(By.cssSelector("#analysis-incidents tbody tr"));
    assertThat(incidents).isNotEmpty();
    assertThat(incidents.get(0).getText().toLowerCase(Locale.ROOT))
        .containsAnyOf("critical", "high", "medium");
    assertThat(browser.findElement(By.id("analysis-chart")).findElements(By.tagName("canvas")))
        .isNotEmpty();
    assertThat(browser.findElement(By.id("download-csv")).getAttribute("href"))
        .endsWith("/results.csv");
    waitUpTo(10)
        .until(
            d ->
                d.findElement(By.id("history-list"))
                    .getText()
                    .contains("seed_sample_metrics2k.csv"));
    // the file's times in the page's one format (en-US: 12-hour clock, narrow no-break space before
    // AM/PM)
    String dateTime = "\\d{1,2}/\\d{1,2}/\\d{4}, \\d{1,2}:\\d{2}:\\d{2}[ \u202f][AP]M";
    assertThat(rows.get(0).findElements(By.tagName("td")).get(1).getText())
        .as("an anomaly's timestamp")
        .matches(dateTime);
    assertThat(incidents.get(0).findElements(By.tagName("td")).get(1).getText())
        .as("an incident's start")
        .matches(dateTime);
    assertThat(
            browser.findElement(By.cssSelector("#history-list tbody tr td:nth-child(3)")).getText())
        .as("when the file was analysed")
        .matches(dateTime);
    assertThat(browser.findElement(By.tagName("body")).getText())
        .doesNotContain("NaN")
        .doesNotContain("undefined");
    screenshot("dashboard-desktop.png");

    browser.manage().window().setSize(new Dimension(390, 844));
    waitUpTo(5).until(d -> ((Long) browser.executeScript("return window.innerWidth")) <= 390);
    Long pageWidth =
        (Long)
            browser.executeScript(
                "return document.documentElement.scrollWidth - window.innerWidth");
    assertThat(pageWidth).as("no horizontal scrolling at phone width").isLessThanOrEqualTo(0L);
    for (String table : List.of("analysis-incidents", "analysis-table", "history-list")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> last =
          (Map<String, Object>) browser.executeScript(LAST_CELL_ON_SCREEN, table);
      assertThat(last)
          .as(
              "the last column of %s's first row, on screen at 390 px without scrolling sideways",
              table)
          .containsEntry("onScreen", true)
          .containsEntry("label", last.get("header"));
    }
    screenshot("dashboard-phone.png");
  }
}
