package dev.mad.config;

import dev.mad.process.UsageException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * One documented configuration key: its dotted path, type, default and allowed range.
 * The schema in {@link ConfigSchema} is the single place where defaults are declared.
 */
public record Setting(
    String path, Type type, Object defaultValue, double min, double max, String doc) {

  /** Value kinds a setting may take. */
  public enum Type {
    INT,
    LONG,
    DOUBLE,
    BOOLEAN,
    STRING,
    RULES,
    /** Comma-separated receiver URLs. */
    URLS,
    WEBHOOKS,
    WINDOWS
  }

  static Setting integer(String path, int def, int min, int max, String doc) {
    return new Setting(path, Type.INT, def, min, max, doc);
  }

  static Setting longValue(String path, long def, long min, long max, String doc) {
    return new Setting(path, Type.LONG, def, min, max, doc);
  }

  static Setting decimal(String path, double def, double min, double max, String doc) {
    return new Setting(path, Type.DOUBLE, def, min, max, doc);
  }

  static Setting bool(String path, boolean def, String doc) {
    return new Setting(path, Type.BOOLEAN, def, 0, 0, doc);
  }

  static Setting text(String path, String def, String doc) {
    return new Setting(path, Type.STRING, def, 0, 0, doc);
  }

  static Setting rules(String path, JsonArray def, String doc) {
    return new Setting(path, Type.RULES, def, 0, 0, doc);
  }

  static Setting urls(String path, String doc) {
    return new Setting(path, Type.URLS, "", 0, 0, doc);
  }

  static Setting webhooks(String path, String doc) {
    return new Setting(path, Type.WEBHOOKS, new JsonArray(), 0, 0, doc);
  }

  static Setting windows(String path, String doc) {
    return new Setting(path, Type.WINDOWS, new JsonArray(), 0, 0, doc);
  }

  /**
   * A command-line option's value for this setting, checked against its type and range.
   *
   * @param option the option as the user typed it, named in the error
   * @throws UsageException naming the option and the allowed values
   */
  public Object parseOption(String option, String text) {
    try {
      return coerce(text);
    } catch (ConfigException e) {
      throw new UsageException(option + " " + allowed() + ", got '" + text + "'");
    }
  }

  /** What values are allowed, as a phrase: "must be a number from 0.0001 to 0.5". */
  public String allowed() {
    return switch (type) {
      case INT, LONG ->
          min <= Long.MIN_VALUE && max >= Long.MAX_VALUE
              ? "must be a whole number"
              : "must be a whole number from " + (long) min + " to " + (long) max;
      case DOUBLE -> "must be a number from " + plain(min) + " to " + plain(max);
      case BOOLEAN -> "must be true or false";
      case STRING -> "must be text";
      case RULES -> "must be a JSON array of rules";
      case URLS -> "must be http(s) URLs, comma-separated";
      case WEBHOOKS -> "must be a JSON array of {url, secret, name}";
      case WINDOWS -> "must be a JSON array of {host, start, end, comment}";
    };
  }

  private static String plain(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  /** The environment variable that overrides this key, e.g. {@code MAD_HTTP_PORT}. */
  public String envName() {
    return "MAD_" + path.replace('.', '_').toUpperCase(Locale.ROOT);
  }

  /**
   * Checks and normalises a raw value (from JSON or from an environment string).
   *
   * @throws ConfigException naming the key when the value is of the wrong type or out of range
   */
  Object coerce(Object raw) {
    return switch (type) {
      case INT -> (int) checkRange(whole(raw));
      case LONG -> checkRange(whole(raw));
      case DOUBLE -> checkRange(number(raw));
      case BOOLEAN -> bool(raw);
      case STRING -> string(raw);
      case RULES -> RuleSpec.validateAll(path, array(raw));
      case URLS -> NotifySpec.alertmanagers(path, string(raw));
      case WEBHOOKS -> NotifySpec.webhooks(path, array(raw));
      case WINDOWS -> NotifySpec.windows(path, array(raw));
    };
  }

  /** A JSON array, from the file or from an environment variable's text. */
  private Object array(Object raw) {
    if (raw instanceof String s) {
      try {
        return new JsonArray(s);
      } catch (RuntimeException e) {
        throw invalid(raw, "a JSON array");
      }
    }
    return raw;
  }

  private long whole(Object raw) {
    if (raw instanceof Integer || raw instanceof Long || raw instanceof Short) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    if (raw instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw invalid(raw, "an integer");
  }

  private double number(Object raw) {
    if (raw instanceof Number n && Double.isFinite(n.doubleValue())) {
      return n.doubleValue();
    }
    if (raw instanceof String s) {
      try {
        double d = Double.parseDouble(s.trim());
        if (Double.isFinite(d)) {
          return d;
        }
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw invalid(raw, "a number");
  }

  private boolean bool(Object raw) {
    if (raw instanceof Boolean b) {
      return b;
    }
    if (raw instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw invalid(raw, "true or false");
  }

  private String string(Object raw) {
    if (raw instanceof String s) {
      return s;
    }
    throw invalid(raw, "a string");
  }

  private long checkRange(long v) {
    if (v < min || v > max) {
      throw new ConfigException(
          String.format(
              Locale.ROOT,
              "config key \"%s\" must be between %d and %d (got %d)",
              path,
              (long) min,
              (long) max,
              v));
    }
    return v;
  }

  private double checkRange(double v) {
    if (v < min || v > max) {
      throw new ConfigException(
          String.format(
              Locale.ROOT,
              "config key \"%s\" must be between %s and %s (got %s)",
              path,
              min,
              max,
              v));
    }
    return v;
  }

  private ConfigException invalid(Object raw, String expected) {
    String shown = raw instanceof String ? "\"" + raw + "\"" : String.valueOf(raw);
    if (raw instanceof JsonObject || raw instanceof JsonArray) {
      shown = raw instanceof JsonObject ? "an object" : "an array";
    }
    return new ConfigException(
        "config key \"" + path + "\" must be " + expected + " (got " + shown + ")");
  }
}
