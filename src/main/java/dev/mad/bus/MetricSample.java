package dev.mad.bus;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One host sample as it travels on {@link Addresses#METRICS_SAMPLE}: the eight metrics of the
 * product, in the fixed order of {@link #METRICS}, taken at {@code timestampMs}.
 */
public record MetricSample(long timestampMs, String host, double[] values) {

  /** Metric names in the order used by every array, file and model in the product. */
  public static final List<String> METRICS =
      List.of(
          "cpu_percent",
          "cpu_frequency",
          "memory_percent",
          "memory_available_gb",
          "disk_read_mb",
          "disk_write_mb",
          "network_sent_mb",
          "network_recv_mb");

  public static final String TIMESTAMP = "timestamp";
  public static final String HOST = "host";

  /**
   * Fleet samples also carry the stream they belong to: the sending agent's id (one per agent
   * process and host) and the sample's sequence number in it, from 1.
   */
  public static final String AGENT_ID = "agent_id";

  public static final String SEQ = "seq";

  public MetricSample {
    if (values.length != METRICS.size()) {
      throw new IllegalArgumentException(
          "a sample has " + METRICS.size() + " metrics, got " + values.length);
    }
  }

  public double value(String metric) {
    int i = METRICS.indexOf(metric);
    if (i < 0) {
      throw new IllegalArgumentException("unknown metric: " + metric);
    }
    return values[i];
  }

  /** Bus form: {@code {"timestamp": epochMs, "host": "...", "cpu_percent": 12.5, ...}}. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put(TIMESTAMP, timestampMs).put(HOST, host);
    for (int i = 0; i < values.length; i++) {
      json.put(METRICS.get(i), values[i]);
    }
    return json;
  }

  public static MetricSample fromJson(JsonObject json) {
    double[] values = new double[METRICS.size()];
    for (int i = 0; i < values.length; i++) {
      Number n = json.getNumber(METRICS.get(i));
      if (n == null) {
        throw new IllegalArgumentException("sample lacks " + METRICS.get(i));
      }
      values[i] = n.doubleValue();
    }
    return new MetricSample(json.getLong(TIMESTAMP), json.getString(HOST, ""), values);
  }
}
