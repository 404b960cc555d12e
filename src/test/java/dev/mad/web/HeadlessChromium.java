package dev.mad.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's Chromium through its ChromeDriver, headless, as every browser test drives it. */
final class HeadlessChromium {
  private HeadlessChromium() {}

  static ChromeDriver start() {
    String driver = System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
    assertThat(Path.of(driver))
        .as("chromedriver (apt-get install chromium chromium-driver)")
        .exists();
    ChromeOptions options =
        new ChromeOptions()
            .setBinary(System.getProperty("chrome.binary", "/usr/bin/chromium"))
            .addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--window-size=1366,900");
    return new ChromeDriver(
        new ChromeDriverService.Builder().usingDriverExecutable(new File(driver)).build(), options);
  }
}
