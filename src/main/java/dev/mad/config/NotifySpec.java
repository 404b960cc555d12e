package dev.mad.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Validation of the notification settings that are not plain values: receiver addresses ({@code
 * notify.alertmanager_urls}, {@code notify.webhooks}) and maintenance windows ({@code
 * notify.maintenance}).
 */
public final class NotifySpec {
  /** Receivers of each kind a configuration may name. */
  public static final int MAX_RECEIVERS = 16;

  /** Maintenance windows, from the configuration and the API together. */
  public static final int MAX_WINDOWS = 1000;

  /** A webhook secret shorter than this would be guessable. */
  static final int MIN_SECRET = 16;

  private static final Set<String> WEBHOOK_FIELDS = Set.of("url", "secret", "name");
  private static final Set<String> WINDOW_FIELDS = Set.of("host", "start", "end", "comment");

  private NotifySpec() {}

  /**
   * A receiver's address: an absolute http or https URL with a host and no user name or password in
   * it.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static URI receiverUrl(String text) {
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          "must start with http:// or https:// (got \"" + text + "\")");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("has no host name (got \"" + text + "\")");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "must not carry a user name or password (they would be logged and shown)");
    }
    return uri;
  }

  /** {@code notify.alertmanager_urls}: comma-separated base URLs, or empty. */
  static String alertmanagers(String path, String raw) {
    int n = 0;
    for (String part : raw.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      n++;
      try {
        receiverUrl(part);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            "config key \"" + path + "\": \"" + part.strip() + "\" " + e.getMessage());
      }
    }
    if (n > MAX_RECEIVERS) {
      throw new ConfigException(
          "config key \"" + path + "\" names " + n + " Alertmanagers; at most " + MAX_RECEIVERS);
    }
    return raw;
  }

  /** {@code notify.webhooks}: {@code [{url, secret?, name?}]}, names unique (default: the URL's host). */
  static JsonArray webhooks(String path, Object raw) {
    if (!(raw instanceof JsonArray list)) {
      throw new ConfigException(
          "config key \"" + path + "\" must be an array of {url, secret, name}");
    }
    if (list.size() > MAX_RECEIVERS) {
      throw new ConfigException(
          "config key \"" + path + "\" has " + list.size() + " webhooks; at most " + MAX_RECEIVERS);
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = path + "[" + i + "]";
      JsonObject hook = object(list.getValue(i), at, WEBHOOK_FIELDS);
      String url = string(hook, at, "url", true);
      try {
        receiverUrl(url);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("config key \"" + at + ".url\" " + e.getMessage());
      }
      String secret = string(hook, at, "secret", false);
      if (secret != null && !secret.isEmpty() && secret.length() < MIN_SECRET) {
        throw new ConfigException(
            "config key \"" + at + ".secret\" must be at least " + MIN_SECRET + " characters long");
      }
      String name = string(hook, at, "name", false);
      if (!names.add(name == null || name.isBlank() ? "webhook-" + i : name)) {
        throw new ConfigException(
            "config key \"" + at + ".name\" repeats the name \"" + name + "\"");
      }
    }
    return list;
  }

  /** {@code notify.maintenance}: {@code [{host, start, end, comment?}]}, times ISO-8601, start before end. */
  static JsonArray windows(String path, Object raw) {
    if (!(raw instanceof JsonArray list)) {
      throw new ConfigException(
          "config key \"" + path + "\" must be an array of {host, start, end, comment}");
    }
    if (list.size() > MAX_WINDOWS) {
      throw new ConfigException(
          "config key \"" + path + "\" has " + list.size() + " windows; at most " + MAX_WINDOWS);
    }
    for (int i = 0; i < list.size(); i++) {
      String at = path + "[" + i + "]";
      JsonObject w = object(list.getValue(i), at, WINDOW_FIELDS);
      String host = string(w, at, "host", true);
      if (host.length() > 300) {
        throw new ConfigException("config key \"" + at + ".host\" is longer than 300 characters");
      }
      Instant start = instant(w, at, "start");
      Instant end = instant(w, at, "end");
      if (!end.isAfter(start)) {
        throw new ConfigException("config key \"" + at + ".end\" must be after its start");
      }
      string(w, at, "comment", false);
    }
    return list;
  }

  private static JsonObject object(Object value, String at, Set<String> fields) {
    if (!(value instanceof JsonObject o)) {
      throw new ConfigException("config key \"" + at + "\" must be an object");
    }
    for (String key : o.fieldNames()) {
      if (!fields.contains(key)) {
        throw new ConfigException(
            "config key \"" + at + "." + key + "\" is not known (allowed: " + fields + ")");
      }
    }
    return o;
  }

  private static String string(JsonObject o, String at, String field, boolean required) {
    Object v = o.getValue(field);
    if (v == null && !required) {
      return null;
    }
    if (!(v instanceof String s) || (required && s.isBlank())) {
      throw new ConfigException(
          "config key \""
              + at
              + "."
              + field
              + "\" must be "
              + (required ? "a non-empty" : "a")
              + " string");
    }
    return s;
  }

  private static Instant instant(JsonObject o, String at, String field) {
    String text = string(o, at, field, true);
    try {
      return Instant.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw new ConfigException(
          "config key \""
              + at
              + "."
              + field
              + "\" must be an ISO-8601 time such as 2026-12-03T02:00:00Z (got \""
              + text
              + "\")");
    }
  }
}
