package dev.mad.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSchemaTest {

  @Test
  @DisplayName("conf/config.json lists every setting with exactly its default")
  void shippedConfigIsTheDefaults() throws Exception {
    JsonObject shipped = new JsonObject(Files.readString(Path.of("conf/config.json")));
    assertThat(shipped).isEqualTo(ConfigSchema.defaults());
  }

  @Test
  @DisplayName(
      "defaults are the documented ones: loopback on port 5000, 1 s sampling, 60 s baseline")
  void defaults() {
    JsonObject c = ConfigSchema.defaults();
    assertThat(c.getJsonObject("http").getString("host")).isEqualTo("127.0.0.1");
    assertThat(c.getJsonObject("http").getInteger("port")).isEqualTo(5000);
    assertThat(c.getJsonObject("collect").getInteger("interval_ms")).isEqualTo(1000);
    assertThat(c.getJsonObject("detect").getInteger("baseline_seconds")).isEqualTo(60);
    assertThat(c.getJsonObject("detect").getJsonArray("rules")).hasSize(2);
  }

  @Test
  @DisplayName("a non-numeric port is refused with a message naming http.port")
  void badPort() {
    JsonObject file = new JsonObject().put("http", new JsonObject().put("port", "abc"));
    assertThatThrownBy(() -> ConfigSchema.resolve(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("\"http.port\"")
        .hasMessageContaining("abc");
  }

  @Test
  @DisplayName("out-of-range, unknown, mistyped and inconsistent values are each refused by key")
  void otherBadValues() {
    assertRefused(new JsonObject().put("http", new JsonObject().put("port", 70000)), "http.port");
    assertRefused(
        new JsonObject().put("detect", new JsonObject().put("contamination", 0.9)),
        "detect.contamination");
    assertRefused(new JsonObject().put("colect", new JsonObject()), "colect");
    assertRefused(new JsonObject().put("http", "127.0.0.1"), "http");
    assertRefused(
        new JsonObject().put("persist", new JsonObject().put("rotate_daily", "yes")),
        "persist.rotate_daily");
    assertRefused(
        new JsonObject().put("detect", new JsonObject().put("window_seconds", 30)),
        "detect.window_seconds");
    JsonArray badRule =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("name", "x")
                    .put("metric", "cpu")
                    .put("op", ">")
                    .put("value", 1)
                    .put("severity", "high")
                    .put("reason", "r"));
    assertRefused(
        new JsonObject().put("detect", new JsonObject().put("rules", badRule)),
        "detect.rules[0].metric");
  }

  @Test
  @DisplayName("environment variables and the --port override apply in that order")
  void overrides() {
    JsonObject file = new JsonObject().put("http", new JsonObject().put("port", 6000));
    JsonObject fromEnv = ConfigSchema.resolve(file, Map.of("MAD_HTTP_PORT", "7000"), Map.of());
    assertThat(fromEnv.getJsonObject("http").getInteger("port")).isEqualTo(7000);
    JsonObject fromCli =
        ConfigSchema.resolve(file, Map.of("MAD_HTTP_PORT", "7000"), Map.of("http.port", "8080"));
    assertThat(fromCli.getJsonObject("http").getInteger("port")).isEqualTo(8080);
    assertThatThrownBy(() -> ConfigSchema.resolve(file, Map.of("MAD_HTTP_PORT", "x"), Map.of()))
        .hasMessageContaining("http.port");
  }

  @Test
  @DisplayName("a missing or malformed config file is refused with its name")
  void badFiles(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.json");
    assertThatThrownBy(() -> ConfigLoader.load(missing, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("missing.json")
        .hasMessageContaining("does not exist");
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"http\": ");
    assertThatThrownBy(() -> ConfigLoader.load(broken, Map.of(), Map.of()))
        .hasMessageContaining("broken.json")
        .hasMessageContaining("not a valid JSON");
    Path empty = Files.writeString(dir.resolve("empty.json"), "  ");
    assertThatThrownBy(() -> ConfigLoader.load(empty, Map.of(), Map.of()))
        .hasMessageContaining("empty");
  }

  private static JsonObject notify(String key, Object value) {
    return new JsonObject().put("notify", new JsonObject().put(key, value));
  }

  @Test
  @DisplayName(
      "notification receivers and maintenance windows are checked, each error naming its key")
  void notifySettings() {
    assertRefused(notify("alertmanager_urls", "ftp://am:9093"), "notify.alertmanager_urls");
    assertRefused(
        notify("alertmanager_urls", "http://user:pw@am:9093"), "notify.alertmanager_urls");
    assertRefused(notify("alertmanager_urls", "http://"), "notify.alertmanager_urls");
    assertRefused(notify("webhooks", new JsonObject()), "notify.webhooks");
    assertRefused(
        notify("webhooks", new JsonArray().add(new JsonObject().put("url", "not a url"))),
        "notify.webhooks[0].url");
    assertRefused(
        notify(
            "webhooks",
            new JsonArray().add(new JsonObject().put("url", "https://h/x").put("secret", "short"))),
        "notify.webhooks[0].secret");
    assertRefused(
        notify(
            "webhooks",
            new JsonArray().add(new JsonObject().put("url", "https://h/x").put("token", "t"))),
        "notify.webhooks[0].token");
    JsonObject twice = new JsonObject().put("url", "https://h/x").put("name", "a");
    assertRefused(
        notify("webhooks", new JsonArray().add(twice).add(twice.copy())),
        "notify.webhooks[1].name");
    JsonObject window =
        new JsonObject()
            .put("host", "*")
            .put("start", "2026-12-03T02:00:00Z")
            .put("end", "2026-12-03T01:00:00Z");
    assertRefused(notify("maintenance", new JsonArray().add(window)), "notify.maintenance[0].end");
    assertRefused(
        notify("maintenance", new JsonArray().add(window.copy().put("start", "at two"))),
        "notify.maintenance[0].start");
    assertRefused(notify("dashboard_url", "mad.example"), "notify.dashboard_url");
    assertRefused(notify("resend_seconds", 5), "notify.resend_seconds");
    JsonObject ok =
        ConfigSchema.resolve(
            new JsonObject()
                .put(
                    "notify",
                    new JsonObject()
                        .put(
                            "alertmanager_urls", "http://127.0.0.1:9093, https://am.example/prefix")
                        .put(
                            "webhooks",
                            new JsonArray()
                                .add(
                                    new JsonObject()
                                        .put("url", "https://hooks.example/mad")
                                        .put("secret", "0123456789abcdef")))
                        .put(
                            "maintenance",
                            new JsonArray().add(window.copy().put("end", "2026-12-03T03:00:00Z")))),
            Map.of(),
            Map.of());
    assertThat(ok.getJsonObject("notify").getJsonArray("webhooks")).hasSize(1);
    JsonObject fromEnv =
        ConfigSchema.resolve(
            new JsonObject(),
            Map.of("MAD_NOTIFY_WEBHOOKS", "[{\"url\": \"http://127.0.0.1:8080/h\"}]"),
            Map.of());
    assertThat(fromEnv.getJsonObject("notify").getJsonArray("webhooks")).hasSize(1);
  }

  private static void assertRefused(JsonObject file, String key) {
    assertThatThrownBy(() -> ConfigSchema.resolve(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("\"" + key);
  }

  @Test
  @DisplayName(
      "a non-loopback bind without a token is refused; a token or an explicit opt-out allows it")
  void nonLoopbackBind() {
    JsonObject open = new JsonObject().put("http", new JsonObject().put("host", "0.0.0.0"));
    assertThatThrownBy(() -> ConfigSchema.resolve(open, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("\"http.host\"")
        .hasMessageContaining("auth_token");
    JsonObject withToken =
        new JsonObject()
            .put(
                "http",
                new JsonObject().put("host", "0.0.0.0").put("auth_token", "a-long-enough-token"));
    assertThat(
            ConfigSchema.resolve(withToken, Map.of(), Map.of())
                .getJsonObject("http")
                .getString("host"))
        .isEqualTo("0.0.0.0");
    JsonObject optOut =
        new JsonObject()
            .put(
                "http",
                new JsonObject().put("host", "192.168.1.10").put("allow_unauthenticated", true));
    assertThat(
            ConfigSchema.resolve(optOut, Map.of(), Map.of())
                .getJsonObject("http")
                .getString("host"))
        .isEqualTo("192.168.1.10");
    JsonObject shortToken =
        new JsonObject().put("http", new JsonObject().put("auth_token", "short"));
    assertThatThrownBy(() -> ConfigSchema.resolve(shortToken, Map.of(), Map.of()))
        .hasMessageContaining("16");
    JsonObject spaces =
        new JsonObject().put("http", new JsonObject().put("auth_token", " ".repeat(16)));
    assertThatThrownBy(() -> ConfigSchema.resolve(spaces, Map.of(), Map.of()))
        .hasMessageContaining("http.auth_token")
        .hasMessageContaining("spaces");
    assertThat(
            ConfigSchema.resolve(
                    new JsonObject().put("http", new JsonObject().put("host", "localhost")),
                    Map.of(),
                    Map.of())
                .getJsonObject("http")
                .getString("auth_token"))
        .as("loopback needs no token")
        .isEmpty();
  }
}
