package dev.mad.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every default and range of a setting lives in {@link ConfigSchema#SETTINGS} and nowhere else. */
class DefaultsWrittenOnceTest {

  @Test
  @DisplayName("a feature's section resolved from nothing holds every default of the schema")
  void sectionsCarryTheSchemaDefaults() {
    for (Setting s : ConfigSchema.SETTINGS) {
      int dot = s.path().indexOf('.');
      if (dot < 0) {
        continue;
      }
      JsonObject section = ConfigSchema.section(s.path().substring(0, dot), new JsonObject());
      Object value = section;
      for (String part : s.path().substring(dot + 1).split("\\.")) {
        value = ((JsonObject) value).getValue(part);
      }
      assertThat(value).as(s.path()).isEqualTo(s.defaultValue());
    }
  }

  @Test
  @DisplayName("a section keeps what the wiring adds and refuses a bad value, naming the key")
  void sectionsKeepExtrasAndCheckValues() {
    JsonObject detect =
        ConfigSchema.section(
            "detect", new JsonObject().put("interval_ms", 250).put("contamination", 0.1));
    assertThat(detect.getInteger("interval_ms")).isEqualTo(250);
    assertThat(detect.getDouble("contamination")).isEqualTo(0.1);
    assertThat(detect.getInteger("baseline_seconds")).isEqualTo(60);
    Assertions.assertThatThrownBy(
            () -> ConfigSchema.section("detect", new JsonObject().put("contamination", 0.9)))
        .hasMessageContaining("detect.contamination")
        .hasMessageContaining("0.5");
  }

  @Test
  @DisplayName("no code outside the schema reads a setting with a default of its own")
  void noDefaultsOutsideTheSchema() throws Exception {
    Set<String> keys =
        ConfigSchema.SETTINGS.stream()
            .map(s -> s.path().substring(s.path().lastIndexOf('.') + 1))
            .collect(Collectors.toSet());
    // config().getInteger("chart_points", 300), detect.getDouble("contamination", 0.05), ...
    Pattern read =
        Pattern.compile(
            "(config\\(\\)|\\b(c|detect|severity|http|persist|collect|analysis))"
                + "\\.get(Integer|Long|Double|Boolean|String|JsonArray|JsonObject)\\(\"(\\w+)\",");
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f :
          files
              .filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/config/"))
              .toList()) {
        Matcher m = read.matcher(Files.readString(f));
        while (m.find()) {
          if (keys.contains(m.group(4))) {
            found.add(f.getFileName() + ": " + m.group());
          }
        }
      }
    }
    assertThat(found).as("settings read with a default written outside ConfigSchema").isEmpty();
  }
}
