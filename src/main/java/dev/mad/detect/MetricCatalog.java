package dev.mad.detect;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Map;

/**
 * What the product knows about each metric: how to show it, which of the seed's reason texts it
 * maps to, and the smallest spread that counts as real variation (so a flat metric with one
 * small wiggle does not produce huge z-scores). Unknown columns (batch files) get neutral texts.
 */
public final class MetricCatalog {

  /**
   * Display and explanation facts of one metric. {@code direction} says which deviations are
   * worth an alert: +1 only rises (a CPU that goes quiet is not a problem), -1 only drops
   * (available memory), 0 both.
   */
  public record Info(
      String label,
      String unit,
      String highReason,
      String lowReason,
      double minSpread,
      int direction,
      double absoluteHigh) {
    /**
     * Whether {@code value} is high (or, for a metric that alerts when it drops, low) in absolute terms,
     * where the seed's words ("High memory consumption") say no more than the data; NaN = never.
     */
    public boolean absolutelyHigh(double value) {
      return direction < 0 ? value <= absoluteHigh : value >= absoluteHigh;
    }

    /** The deviation of z in the alerting direction (0 when it points the harmless way). */
    public double alerting(double z) {
      return direction > 0 ? Math.max(0, z) : direction < 0 ? Math.max(0, -z) : Math.abs(z);
    }
  }

  private static final Map<String, Info> KNOWN =
      Map.of(
          "cpu_percent",
              new Info(
                  "CPU", "%", "High CPU usage detected", "Unusually low CPU usage", 3.0, 1, 80),
          "cpu_frequency",
              new Info(
                  "CPU frequency",
                  " MHz",
                  "Unusual CPU frequency",
                  "Unusual CPU frequency",
                  100.0,
                  0,
                  Double.NaN),
          "memory_percent",
              new Info(
                  "Memory", "%", "High memory consumption", "Unusually low memory use", 1.5, 1, 80),
          "memory_available_gb",
              new Info(
                  "Available memory",
                  " GB",
                  "Unusually low memory use",
                  "High memory consumption",
                  0.25,
                  -1,
                  1.0),
          "disk_read_mb",
              new Info(
                  "Disk read",
                  " MB/s",
                  "High disk activity",
                  "Unusually low disk activity",
                  1.0,
                  1,
                  50),
          "disk_write_mb",
              new Info(
                  "Disk write",
                  " MB/s",
                  "High disk activity",
                  "Unusually low disk activity",
                  1.0,
                  1,
                  50),
          "network_sent_mb",
              new Info(
                  "Network sent",
                  " MB/s",
                  "High network traffic",
                  "Unusually low network traffic",
                  0.25,
                  1,
                  50),
          "network_recv_mb",
              new Info(
                  "Network received",
                  " MB/s",
                  "High network traffic",
                  "Unusually low network traffic",
                  0.25,
                  1,
                  50));

  /** Seed text for an anomaly that no single metric explains. */
  public static final String COMBINATION_REASON = "Unusual combination of system metrics";

  private MetricCatalog() {}

  /** Whether {@code metric} is one of the product's own metrics (numeric by definition). */
  public static boolean isKnown(String metric) {
    return KNOWN.containsKey(metric);
  }

  public static Info info(String metric) {
    Info known = KNOWN.get(metric);
    return known != null
        ? known
        : new Info(metric, "", "High " + metric, "Low " + metric, 0.0, 0, Double.NaN);
  }

  /**
   * The reason for a metric that deviates: the seed's words when the value is high in absolute terms
   * ({@code High CPU usage detected} at 90 %), else what is unusual for this host
   * ({@code Memory far above its usual 12.0%}).
   */
  public static String deviationReason(String metric, double value, double expected, boolean up) {
    Info info = info(metric);
    boolean alertingWay = info.direction() == 0 || (info.direction() > 0) == up;
    if (alertingWay && info.absolutelyHigh(value)) {
      return up ? info.highReason() : info.lowReason();
    }
    if (Double.isNaN(expected)) {
      return up ? info.highReason() : info.lowReason();
    }
    return info.label()
        + (up ? " far above" : " far below")
        + " its usual "
        + oneDecimalOrMore(expected)
        + info.unit();
  }

  /** One decimal, or three significant digits for small values (scaled metrics such as 0.0123). */
  private static String oneDecimalOrMore(double v) {
    if (v != 0 && Math.abs(v) < 1) {
      return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }
    return oneDecimal(v);
  }

  /** {@code CPU: 85.7%}, {@code Disk read: 150.3 MB/s}: the seed's severity factor format. */
  public static String factor(String metric, double value) {
    Info info = info(metric);
    return info.label() + ": " + oneDecimal(value) + info.unit();
  }

  /**
   * {@code String.format(Locale.ROOT, "%.1f", value)} (half-up on the shortest decimal form of the
   * double) without the Formatter, which costs microseconds per call on long batch files.
   */
  static String oneDecimal(double value) {
    if (!Double.isFinite(value)) {
      return Double.toString(value);
    }
    String text =
        new BigDecimal(Double.toString(value)).setScale(1, RoundingMode.HALF_UP).toPlainString();
    return Double.doubleToRawLongBits(value) < 0 && !text.startsWith("-") ? "-" + text : text;
  }
}
