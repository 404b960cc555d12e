package dev.mad;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.config.ConfigSchema;
import dev.mad.config.Setting;
import dev.mad.files.LogsDirLock;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("--help prints the usage of the server, batch and datagen modes")
  void help() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("-conf FILE")
        .contains("--port V")
        .contains("--contamination V")
        .contains("--window-size V")
        .contains("--csv-file FILE")
        .contains("datagen")
        .contains(
            "--contamination C   expected anomaly share, from 0.0001 to 0.5 (default detect.contamination, 0.05)\n");
  }

  @Test
  @DisplayName("a missing config file stops the server before it starts, naming the file")
  void missingConfig() {
    assertThat(run("-conf", "no-such-config.json")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("no-such-config.json")
        .contains("does not exist");
  }

  @Test
  @DisplayName("a config with a non-numeric port stops the server, naming http.port")
  void badPortInConfig(@TempDir Path dir) throws Exception {
    Path conf = Files.writeString(dir.resolve("c.json"), "{\"http\": {\"port\": \"abc\"}}");
    assertThat(run("-conf", conf.toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("http.port");
  }

  @Test
  @DisplayName("unknown options and --port without a number are usage errors")
  void usageErrors() {
    assertThat(run("--bogus")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--bogus");
    assertThat(run("--port", "http")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--port must be a whole number from 0 to 65535");
  }

  @Test
  @DisplayName(
      "the original's live options --contamination 0.1 and --window-size 30 configure the server")
  void originalServerOptions() {
    JsonObject c =
        Main.serverConfig(new String[] {"--contamination", "0.1", "--window-size", "30"});
    assertThat(c.getJsonObject("detect").getDouble("contamination")).isEqualTo(0.1);
    assertThat(c.getJsonObject("detect").getInteger("window_seconds")).isEqualTo(30);
    // a window shorter than the baseline trains sooner instead of being refused
    assertThat(c.getJsonObject("detect").getInteger("baseline_seconds")).isEqualTo(30);
    JsonObject d =
        Main.serverConfig(new String[] {"--window-size=300", "--sensitivity=2", "--port", "0"});
    assertThat(d.getJsonObject("detect").getInteger("window_seconds")).isEqualTo(300);
    assertThat(d.getJsonObject("detect").getInteger("baseline_seconds")).isEqualTo(60);
    assertThat(d.getJsonObject("detect").getDouble("sensitivity")).isEqualTo(2.0);
    assertThat(d.getJsonObject("http").getInteger("port")).isZero();
  }

  @Test
  @DisplayName(
      "every server option takes its range from its setting: the bounds pass, one step beyond is refused")
  void serverOptionsFollowTheSchema() {
    for (ConfigSchema.Option o : ConfigSchema.SERVER_OPTIONS) {
      Setting s = o.setting();
      if (s.type() == Setting.Type.STRING) {
        continue;
      }
      if (s.type() == Setting.Type.LONG && s.min() <= Long.MIN_VALUE) {
        assertThat(lookup(Main.serverConfig(new String[] {o.flag(), "7"}), s.path())).isEqualTo(7L);
        continue;
      }
      boolean whole = s.type() != Setting.Type.DOUBLE;
      String min = whole ? Long.toString((long) s.min()) : Double.toString(s.min());
      String below = whole ? Long.toString((long) s.min() - 1) : Double.toString(s.min() / 2);
      if (!o.path().equals("detect.baseline_seconds")) {
        assertThat(
                ((Number) lookup(Main.serverConfig(new String[] {o.flag(), min}), s.path()))
                    .doubleValue())
            .as(o.flag())
            .isEqualTo(s.min());
      }
      assertThat(run(o.flag(), below)).as(o.flag() + " " + below).isEqualTo(2);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains(o.flag() + " " + s.allowed());
      err.reset();
    }
  }

  private static Object lookup(JsonObject c, String path) {
    String[] parts = path.split("\\.");
    JsonObject node = c;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
    }
    return node.getValue(parts[parts.length - 1]);
  }

  @Test
  @DisplayName(
      "a second server on a logs directory in use exits with the start-up error code 2, saying why")
  void secondServerOnTheSameLogs(@TempDir Path dir) throws Exception {
    try (LogsDirLock held = LogsDirLock.acquire(dir)) {
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  "dev.mad.Main",
                  "--logs-dir",
                  dir.toString(),
                  "--port",
                  "0")
              .redirectErrorStream(true)
              .start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(output).isEqualTo(2);
      assertThat(output)
          .contains("error: the server did not start: another server is already writing to");
    }
  }

  @Test
  @DisplayName(
      "a logs directory that cannot be written stops the server with code 2 and the real reason,"
          + " not the path alone")
  void unwritableLogsDir() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.mad.Main",
                "--logs-dir",
                "/sys/mad-logs",
                "--port",
                "0")
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isEqualTo(2);
    assertThat(output)
        // sysfs answers EPERM to mkdir (a read-only mount EROFS): either way a reason follows
        .containsPattern("error: the server did not start: /sys/mad-logs: [A-Za-z][A-Za-z -]+\n");
  }
}
