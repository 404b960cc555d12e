package dev.mad;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("--help prints the usage of the server, batch and datagen modes")
  void help() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("-conf FILE").contains("--port N").contains("--csv-file FILE").contains("datagen");
  }

  @Test
  @DisplayName("a missing config file stops the server before it starts, naming the file")
  void missingConfig() {
    assertThat(run("-conf", "no-such-config.json")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("no-such-config.json").contains("does not exist");
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
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("http.port");
  }
}
