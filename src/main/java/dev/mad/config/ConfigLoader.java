package dev.mad.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Reads the config file named by {@code -conf}, refusing a missing or malformed one by name. */
public final class ConfigLoader {
  private ConfigLoader() {}

  public static JsonObject load(Path file, Map<String, String> env, Map<String, Object> overrides) {
    return ConfigSchema.resolve(readFile(file), env, overrides);
  }

  static JsonObject readFile(Path file) {
    if (!Files.exists(file)) {
      throw new ConfigException("config file " + file + " does not exist");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new ConfigException("config file " + file + " is not a readable file");
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | UncheckedIOException e) {
      throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage(), e);
    }
    if (text.isBlank()) {
      throw new ConfigException("config file " + file + " is empty; it must hold a JSON object");
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException(
          "config file " + file + " is not a valid JSON object: " + firstLine(e.getMessage()), e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
