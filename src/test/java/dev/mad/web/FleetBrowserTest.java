package dev.mad.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.MainVerticle;
import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import dev.mad.fleet.FleetProtocol;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A hub's dashboard in headless Chromium: the fleet table lists the hub's own host and an agent's,
 * and the agent's row opens that host's own page with its values. The agent is this test, sending
 * batches on the fleet address as an agent does.
 */
class FleetBrowserTest {
  @TempDir Path logs;
  private Vertx vertx;
  private ChromeDriver browser;
  private int port;
  private long seq;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    port = ServerFixture.freePort();
    JsonObject config =
        new JsonObject()
            .put("logs_dir", logs.toString())
            .put("cluster", new JsonObject().put("mode", "hub"))
            .put("collect", new JsonObject().put("interval_ms", 250))
            .put("detect", new JsonObject().put("baseline_seconds", 10).put("window_seconds", 30))
            .put("http", new JsonObject().put("port", port));
    ServerFixture.await(
        vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)));
    vertx.setPeriodic(250, id -> sendAsAgent());
    browser = HeadlessChromium.start();
  }

  private void sendAsAgent() {
    double[] v = {42.5 + (seq % 3) * 0.1, 2400, 40, 8, 1, 1, 0.1, 0.1};
    JsonObject entry =
        new MetricSample(System.currentTimeMillis(), "edge-7", v)
            .toJson()
            .put(MetricSample.AGENT_ID, "edge-7@1")
            .put(MetricSample.SEQ, ++seq);
    vertx
        .eventBus()
        .request(
            Addresses.FLEET_SAMPLES,
            new JsonObject().put(FleetProtocol.ENTRIES, new JsonArray().add(entry)));
  }

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    ServerFixture.await(vertx.close());
  }

  @Test
  @DisplayName("the fleet table shows both hosts; a host's name opens its own live page")
  void fleetView() throws Exception {
    browser.get("http://127.0.0.1:" + port + "/");
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.until(d -> d.findElements(By.cssSelector("#fleet-body tr")).size() == 2);
    List<WebElement> rows = browser.findElements(By.cssSelector("#fleet-body tr"));
    String table = browser.findElement(By.id("fleet")).getText();
    assertThat(table).contains("edge-7").contains("this machine").contains("learning");
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.createDirectories(Path.of("target", "screenshots"));
    Files.copy(
        shot, Path.of("target", "screenshots", "fleet.png"), StandardCopyOption.REPLACE_EXISTING);

    WebElement edge =
        rows.stream()
            .map(r -> r.findElement(By.tagName("a")))
            .filter(a -> a.getText().equals("edge-7"))
            .findFirst()
            .orElseThrow();
    edge.click();
    wait.until(d -> d.getCurrentUrl().endsWith("/?host=edge-7"));
    wait.until(d -> d.findElement(By.id("host-name")).getText().equals("edge-7"));
    By cpu = By.cssSelector("[data-metric='cpu_percent'] .value");
    wait.until(d -> d.findElement(cpu).getText().startsWith("42."));
    // live: the data points counter of edge-7 keeps growing on its own page
    long before =
        Long.parseLong(
            browser.findElement(By.id("stat-data-points")).getText().replaceAll("\\D", ""));
    wait.until(
        d ->
            Long.parseLong(d.findElement(By.id("stat-data-points")).getText().replaceAll("\\D", ""))
                > before);
  }
}
