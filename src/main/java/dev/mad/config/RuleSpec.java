package dev.mad.config;

import dev.mad.bus.MetricSample;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;

/** Validation of the user-defined detection rules ({@code detect.rules}). */
final class RuleSpec {
  static final Set<String> OPS = Set.of(">", ">=", "<", "<=");
  static final Set<String> SEVERITIES = Set.of("medium", "high", "critical");

  private RuleSpec() {}

  static JsonArray validateAll(String path, Object raw) {
    if (!(raw instanceof JsonArray rules)) {
      throw new ConfigException("config key \"" + path + "\" must be an array of rules");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      String at = path + "[" + i + "]";
      if (!(rules.getValue(i) instanceof JsonObject rule)) {
        throw new ConfigException("config key \"" + at + "\" must be an object");
      }
      String name = requireString(rule, at, "name");
      if (!names.add(name)) {
        throw new ConfigException(
            "config key \"" + at + ".name\" repeats the rule name \"" + name + "\"");
      }
      String metric = requireString(rule, at, "metric");
      if (!MetricSample.METRICS.contains(metric)) {
        throw new ConfigException(
            "config key \""
                + at
                + ".metric\" must be one of "
                + MetricSample.METRICS
                + " (got \""
                + metric
                + "\")");
      }
      String op = requireString(rule, at, "op");
      if (!OPS.contains(op)) {
        throw new ConfigException(
            "config key \"" + at + ".op\" must be one of > >= < <= (got \"" + op + "\")");
      }
      if (!(rule.getValue("value") instanceof Number n) || !Double.isFinite(n.doubleValue())) {
        throw new ConfigException("config key \"" + at + ".value\" must be a number");
      }
      String severity = requireString(rule, at, "severity");
      if (!SEVERITIES.contains(severity)) {
        throw new ConfigException(
            "config key \""
                + at
                + ".severity\" must be medium, high or critical (got \""
                + severity
                + "\")");
      }
      requireString(rule, at, "reason");
      for (String key : rule.fieldNames()) {
        if (!Set.of("name", "metric", "op", "value", "severity", "reason").contains(key)) {
          throw new ConfigException("config key \"" + at + "." + key + "\" is not a rule field");
        }
      }
    }
    return rules;
  }

  private static String requireString(JsonObject rule, String at, String field) {
    if (!(rule.getValue(field) instanceof String s) || s.isBlank()) {
      throw new ConfigException(
          "config key \"" + at + "." + field + "\" must be a non-empty string");
    }
    return s;
  }
}
