package dev.mad.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting of the server with its default and range (SPEC section 8). A configuration is
 * resolved from the file, then environment variables ({@code MAD_HTTP_PORT} style), then
 * command-line overrides; any unknown key or bad value is refused with a message naming it.
 */
public final class ConfigSchema {

  public static final String HOST_NAME = "host_name";
  public static final String LOGS_DIR = "logs_dir";
  public static final String COLLECT_INTERVAL_MS = "collect.interval_ms";
  public static final String HTTP_HOST = "http.host";
  public static final String HTTP_PORT = "http.port";
  public static final String CLUSTER_MODE = "cluster.mode";

  /** The values of {@link #CLUSTER_MODE}. */
  public static final List<String> MODES = List.of("standalone", "agent", "hub");

  public static final List<Setting> SETTINGS =
      List.of(
          Setting.text(
              HOST_NAME, "", "host name carried by every sample; empty = the OS host name"),
          Setting.text(LOGS_DIR, "logs", "directory of every file the server writes"),
          Setting.integer(
              COLLECT_INTERVAL_MS, 1000, 100, 3_600_000, "sampling period in milliseconds"),
          Setting.integer(
              "detect.baseline_seconds",
              60,
              5,
              86_400,
              "seconds of samples before the first model"),
          Setting.integer(
              "detect.window_seconds", 120, 10, 604_800, "training window, seconds of wall time"),
          Setting.integer(
              "detect.retrain_seconds", 300, 10, 604_800, "seconds between retrainings"),
          Setting.integer(
              "detect.adapt_seconds",
              600,
              10,
              604_800,
              "a flagged level lasting this long is accepted as the new normal"),
          Setting.decimal(
              "detect.contamination", 0.05, 0.0001, 0.5, "expected share of anomalies in training"),
          Setting.integer("detect.n_estimators", 100, 1, 2000, "trees in the isolation forest"),
          Setting.integer(
              "detect.max_samples",
              256,
              2,
              100_000,
              "subsample size per tree (min with window size)"),
          Setting.longValue(
              "detect.random_seed",
              42,
              Long.MIN_VALUE,
              Long.MAX_VALUE,
              "seed for reproducible models"),
          Setting.decimal(
              "detect.zscore_threshold", 3.0, 0.5, 100, "robust z-score that flags a metric"),
          Setting.decimal(
              "detect.sensitivity",
              1.0,
              0.1,
              10,
              "how readily incidents open: 2 opens at half the level, 0.5 at twice the level"),
          Setting.decimal(
              "detect.severity.critical_below",
              -0.7,
              -1,
              0,
              "score below which an anomaly is critical"),
          Setting.decimal(
              "detect.severity.high_below", -0.5, -1, 0, "score below which an anomaly is high"),
          Setting.integer(
              "detect.incident_quiet_seconds",
              15,
              1,
              86_400,
              "quiet seconds that close an incident"),
          Setting.integer(
              "detect.false_alarm_marks",
              2,
              1,
              100,
              "false alarms marked on a host and metric before like deviations stop opening"
                  + " incidents"),
          Setting.decimal(
              "detect.false_alarm_tolerance",
              1.2,
              1,
              10,
              "a deviation up to this many times the largest marked one counts as like them"),
          Setting.integer(
              "detect.false_alarm_days", 30, 1, 3650, "days a false-alarm mark is remembered"),
          Setting.rules(
              "detect.rules",
              defaultRules(),
              "hard limits: {name, metric, op, value, severity, reason}"),
          Setting.integer(
              "persist.max_incidents", 1000, 1, 1_000_000, "incidents kept in anomalies.json"),
          Setting.integer(
              "persist.incident_history",
              100_000,
              100,
              10_000_000,
              "incidents kept in anomaly_history.db (oldest closed ones go first)"),
          Setting.integer(
              "persist.rotate_max_mb",
              50,
              1,
              100_000,
              "size at which metrics_history.csv rolls over"),
          Setting.bool(
              "persist.rotate_daily", true, "also roll metrics_history.csv over at midnight"),
          Setting.integer("persist.keep_files", 14, 1, 10_000, "rolled-over files kept"),
          Setting.integer(
              "analysis.keep_analyses",
              1000,
              1,
              1_000_000,
              "batch analyses kept in anomaly_history.db, with their flagged rows and incidents"),
          Setting.integer(
              "analysis.memory_mb",
              512,
              128,
              65_536,
              "heap of the separate JVM each upload is analysed in (0.3 GB suffice for the widest"
                  + " file)"),
          Setting.urls(
              "notify.alertmanager_urls",
              "Prometheus Alertmanager base URLs (http://host:9093), comma-separated; empty ="
                  + " none"),
          Setting.webhooks(
              "notify.webhooks",
              "webhooks: [{url, secret, name}]; each event is POSTed as JSON, signed with the"
                  + " secret"),
          Setting.windows(
              "notify.maintenance",
              "maintenance windows: [{host, start, end, comment}] (host \"*\" = every host);"
                  + " incidents are recorded, not notified"),
          Setting.text(
              "notify.dashboard_url",
              "",
              "the dashboard's address as people reach it, for links in alerts; empty ="
                  + " http://http.host:http.port/"),
          Setting.integer(
              "notify.resend_seconds",
              60,
              10,
              3600,
              "an open incident's alert is re-sent to Alertmanager this often"),
          Setting.integer(
              "notify.timeout_seconds", 10, 1, 300, "a receiver that has not answered is retried"),
          Setting.integer(
              "notify.retry_max_seconds",
              60,
              1,
              3600,
              "longest wait between retries (they start at 1 s and double)"),
          Setting.integer(
              "notify.give_up_hours",
              24,
              1,
              720,
              "a notification not delivered this long is dropped, logged and counted"),
          Setting.integer(
              "notify.outbox_limit",
              10_000,
              100,
              1_000_000,
              "notifications waiting per receiver; beyond it the oldest are dropped and counted"),
          Setting.text(HTTP_HOST, "127.0.0.1", "address the HTTP server binds"),
          Setting.integer(HTTP_PORT, 5000, 0, 65_535, "HTTP port (0 = any free port)"),
          Setting.integer(
              "http.chart_points", 300, 10, 100_000, "samples shown on the live charts"),
          Setting.integer("http.max_upload_mb", 200, 1, 100_000, "largest CSV upload accepted"),
          Setting.integer(
              "http.min_free_mb",
              16,
              0,
              10_000_000,
              "free space kept in logs_dir: an upload that would leave less (it and its results)"
                  + " is refused with 507"),
          Setting.integer(
              "http.idle_seconds",
              120,
              5,
              3600,
              "a connection silent this long is closed (above the bridge's 25 s heartbeat)"),
          Setting.text("http.auth_token", "", "token required by the API and bridge; empty = none"),
          Setting.text(
              "http.allowed_hosts",
              "",
              "reverse proxies' host names (comma-separated), accepted as Host and Origin"),
          Setting.bool(
              "http.allow_unauthenticated", false, "allow a non-loopback bind without a token"),
          Setting.text(
              CLUSTER_MODE,
              "standalone",
              "standalone (one host, no cluster), agent (collect and send) or hub (detect, persist"
                  + " and serve every host)"),
          Setting.text("cluster.name", "mad", "cluster name; members of another name never join"),
          Setting.text(
              "cluster.host", "127.0.0.1", "address the cluster member and event bus bind"),
          Setting.text(
              "cluster.public_host",
              "",
              "address other members reach this one at (behind NAT); empty = cluster.host"),
          Setting.integer(
              "cluster.port", 5701, 1, 65_535, "Hazelcast member port (membership, discovery)"),
          Setting.integer(
              "cluster.bus_port", 5801, 0, 65_535, "event bus port: samples travel here (0 = any)"),
          Setting.text(
              "cluster.members",
              "",
              "other members as host:port, comma-separated (an agent lists its hub); empty = none"),
          Setting.integer(
              "cluster.heartbeat_seconds",
              5,
              1,
              300,
              "member heartbeat; a member silent for 6 heartbeats is dropped"),
          Setting.bool(
              "cluster.allow_insecure",
              false,
              "allow a non-loopback cluster without TLS (metric data in clear): trusted networks"
                  + " only"),
          Setting.text(
              "cluster.tls.cert_pem", "", "this member's certificate chain, PEM (with key_pem)"),
          Setting.text("cluster.tls.key_pem", "", "this member's private key, PEM (PKCS#8)"),
          Setting.text(
              "cluster.tls.p12", "", "this member's key and certificate, PKCS#12 (instead of PEM)"),
          Setting.text("cluster.tls.p12_password", "", "password of cluster.tls.p12"),
          Setting.text(
              "cluster.tls.ca_pem",
              "",
              "CA certificate(s), PEM, that sign every member's certificate (client auth)"),
          Setting.text(
              "cluster.tls.trust_p12", "", "trusted CA certificates, PKCS#12 (instead of ca_pem)"),
          Setting.text("cluster.tls.trust_p12_password", "", "password of cluster.tls.trust_p12"),
          Setting.bool("hub.collect_local", true, "a hub also samples the machine it runs on"),
          Setting.integer(
              "hub.max_hosts",
              2000,
              1,
              100_000,
              "hosts a hub tracks; samples of a host beyond it are refused and logged"),
          Setting.integer(
              "hub.stale_seconds",
              30,
              3,
              86_400,
              "a host silent this long opens a \"host silent\" incident"),
          Setting.integer(
              "agent.buffer_seconds",
              300,
              10,
              86_400,
              "samples an agent keeps while its hub is unreachable; older ones are dropped and"
                  + " counted"),
          Setting.integer(
              "agent.simulate_hosts",
              0,
              0,
              10_000,
              "fleet simulator: publish this many synthetic hosts instead of this machine"),
          Setting.longValue(
              "agent.simulate_seed",
              7,
              Long.MIN_VALUE,
              Long.MAX_VALUE,
              "seed of the simulated hosts (host i uses seed + i)"));

  /** A server command-line option that overrides one setting, e.g. {@code --contamination 0.1}. */
  public record Option(String flag, String path) {
    public Setting setting() {
      return ConfigSchema.setting(path);
    }
  }

  /**
   * The server's command-line options, the original's {@code --contamination} and {@code --window-size}
   * (training window, seconds) among them; each takes its range and default from its setting.
   */
  public static final List<Option> SERVER_OPTIONS =
      List.of(
          new Option("--port", HTTP_PORT),
          new Option("--host", HTTP_HOST),
          new Option("--logs-dir", LOGS_DIR),
          new Option("--interval-ms", COLLECT_INTERVAL_MS),
          new Option("--contamination", "detect.contamination"),
          new Option("--window-size", "detect.window_seconds"),
          new Option("--baseline-seconds", "detect.baseline_seconds"),
          new Option("--retrain-seconds", "detect.retrain_seconds"),
          new Option("--sensitivity", "detect.sensitivity"),
          new Option("--zscore-threshold", "detect.zscore_threshold"),
          new Option("--n-estimators", "detect.n_estimators"),
          new Option("--max-samples", "detect.max_samples"),
          new Option("--random-seed", "detect.random_seed"),
          new Option("--mode", CLUSTER_MODE),
          new Option("--cluster-host", "cluster.host"),
          new Option("--cluster-port", "cluster.port"),
          new Option("--bus-port", "cluster.bus_port"),
          new Option("--members", "cluster.members"),
          new Option("--simulate-hosts", "agent.simulate_hosts"));

  private ConfigSchema() {}

  static JsonArray defaultRules() {
    return new JsonArray()
        .add(
            new JsonObject()
                .put("name", "cpu_critical")
                .put("metric", "cpu_percent")
                .put("op", ">")
                .put("value", 95)
                .put("severity", "critical")
                .put("reason", "High CPU usage detected"))
        .add(
            new JsonObject()
                .put("name", "memory_critical")
                .put("metric", "memory_percent")
                .put("op", ">")
                .put("value", 95)
                .put("severity", "critical")
                .put("reason", "High memory consumption"));
  }

  /** The setting at {@code path}. */
  public static Setting setting(String path) {
    for (Setting s : SETTINGS) {
      if (s.path().equals(path)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no setting " + path);
  }

  /**
   * The {@code name} section (e.g. {@code detect}) of the configuration, as a feature receives it: the
   * schema's keys of that section resolved from {@code given} (missing ones take their default, bad ones
   * are refused), plus any other keys {@code given} holds (values the wiring hands a feature) unchanged.
   * A feature reads its settings from this, so their defaults and ranges exist only in {@link #SETTINGS}.
   *
   * @throws ConfigException naming a bad value
   */
  public static JsonObject section(String name, JsonObject given) {
    String prefix = name + ".";
    JsonObject known = new JsonObject();
    JsonObject extra = new JsonObject();
    for (String key : given.fieldNames()) {
      String path = prefix + key;
      boolean inSchema =
          SETTINGS.stream()
              .anyMatch(st -> st.path().equals(path) || st.path().startsWith(path + "."));
      (inSchema ? known : extra).put(key, given.getValue(key));
    }
    JsonObject resolved =
        resolve(new JsonObject().put(name, known), Map.of(), Map.of()).getJsonObject(name);
    return resolved.mergeIn(extra);
  }

  /** The logs directory a feature's section carries ({@code logs_dir}, handed over by the wiring), or the default. */
  public static String logsDir(JsonObject section) {
    Object dir = section.getValue(LOGS_DIR);
    return dir instanceof String s ? s : (String) setting(LOGS_DIR).defaultValue();
  }

  /** The configuration with every default, as written to {@code conf/config.json}. */
  public static JsonObject defaults() {
    return resolve(new JsonObject(), Map.of(), Map.of());
  }

  /**
   * Resolves the effective configuration.
   *
   * @param file      the parsed config file (may be empty)
   * @param env       environment variables; only {@code MAD_*} names of known keys are read
   * @param overrides command-line values by dotted key, applied last
   * @throws ConfigException naming the first unknown key or bad value
   */
  public static JsonObject resolve(
      JsonObject file, Map<String, String> env, Map<String, Object> overrides) {
    Map<String, Setting> byPath = new LinkedHashMap<>();
    SETTINGS.forEach(s -> byPath.put(s.path(), s));
    rejectUnknownKeys(file, "", byPath);

    JsonObject out = new JsonObject();
    for (Setting s : SETTINGS) {
      Object raw = lookup(file, s.path());
      String fromEnv = env.get(s.envName());
      if (fromEnv != null) {
        raw = fromEnv;
      }
      if (overrides.containsKey(s.path())) {
        raw = overrides.get(s.path());
      }
      Object value = raw == null ? s.defaultValue() : s.coerce(raw);
      put(out, s.path(), value instanceof JsonArray a ? a.copy() : value);
    }
    checkRelations(out);
    return out;
  }

  private static void checkRelations(JsonObject c) {
    JsonObject detect = c.getJsonObject("detect");
    if (detect.getInteger("window_seconds") < detect.getInteger("baseline_seconds")) {
      // The first model trains on the baseline; a shorter window would silently drop part of it.
      throw new ConfigException(
          "config key \"detect.window_seconds\" must be at least detect.baseline_seconds ("
              + detect.getInteger("baseline_seconds")
              + ")");
    }
    JsonObject severity = detect.getJsonObject("severity");
    if (severity.getDouble("critical_below") > severity.getDouble("high_below")) {
      throw new ConfigException(
          "config key \"detect.severity.critical_below\" must not be above detect.severity.high_below");
    }
    if (c.getString(LOGS_DIR).isBlank()) {
      throw new ConfigException("config key \"logs_dir\" must not be empty");
    }
    JsonObject http = c.getJsonObject("http");
    if (http.getString("host").isBlank()) {
      throw new ConfigException("config key \"http.host\" must not be empty");
    }
    if (!isLoopback(http.getString("host"))
        && http.getString("auth_token").isEmpty()
        && !http.getBoolean("allow_unauthenticated")) {
      throw new ConfigException(
          "config key \"http.host\" is "
              + http.getString("host")
              + ", which other machines can reach, but http.auth_token is empty: set a token (or, on a trusted"
              + " network only, http.allow_unauthenticated to true)");
    }
    ClusterChecks.check(c);
    String dashboardUrl = c.getJsonObject("notify").getString("dashboard_url");
    if (!dashboardUrl.isBlank()) {
      try {
        NotifySpec.receiverUrl(dashboardUrl);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("config key \"notify.dashboard_url\" " + e.getMessage());
      }
    }
    String token = http.getString("auth_token");
    if (!token.isEmpty()
        && (!token.equals(token.strip()) || token.chars().anyMatch(Character::isWhitespace))) {
      throw new ConfigException("config key \"http.auth_token\" must not contain spaces");
    }
    if (!token.isEmpty() && token.length() < 16) {
      throw new ConfigException(
          "config key \"http.auth_token\" must be at least 16 characters long");
    }
  }

  /** Loopback addresses, by their text: no name lookup happens at start. */
  public static boolean isLoopback(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
  }

  private static void rejectUnknownKeys(
      JsonObject node, String prefix, Map<String, Setting> known) {
    for (String key : node.fieldNames()) {
      String path = prefix + key;
      Object value = node.getValue(key);
      if (known.containsKey(path)) {
        continue;
      }
      boolean isSection = known.keySet().stream().anyMatch(p -> p.startsWith(path + "."));
      if (isSection && value instanceof JsonObject child) {
        rejectUnknownKeys(child, path + ".", known);
      } else if (isSection) {
        throw new ConfigException("config key \"" + path + "\" must be an object");
      } else {
        throw new ConfigException(
            "config key \"" + path + "\" is not a known setting (see README, Configuration)");
      }
    }
  }

  private static Object lookup(JsonObject root, String path) {
    String[] parts = path.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      if (!(node.getValue(parts[i]) instanceof JsonObject child)) {
        return null;
      }
      node = child;
    }
    return node.getValue(parts[parts.length - 1]);
  }

  private static void put(JsonObject root, String path, Object value) {
    String[] parts = path.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], value);
  }
}
