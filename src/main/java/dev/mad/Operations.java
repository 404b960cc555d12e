package dev.mad;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide operations set-up: one Prometheus registry that receives Vert.x's and the JVM's
 * meters (through vertx-micrometer-metrics) and the product's own (through Micrometer's global
 * registry), scraped at GET /metrics; and a heap that gives memory back after a burst.
 */
public final class Operations {
  private static final Logger LOG = LoggerFactory.getLogger(Operations.class);

  /** Seconds without a collection after which G1 runs one and returns unused heap to the OS. */
  static final String PERIODIC_GC_MS = "10000";

  private Operations() {}

  /**
   * Lets the server's heap shrink again after a burst (a hundred uploads in a row, a flood of
   * requests): G1 grows its young generation under a burst of garbage and, by default, keeps it,
   * so the RSS stays up (124 MB to 292 MB after 100 refused 40,000-column uploads, and there for
   * good; live data was 13 MB). With a periodic collection when idle and a heap that keeps at most
   * 30 % free, it comes back to about where it was within a minute. Set through the JVM's
   * management interface, as these flags are "manageable"; a flag the user set on the command line
   * is left as it is.
   */
  public static void returnIdleHeap() {
    HotSpotDiagnosticMXBean hotspot =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if (hotspot == null) {
      return;
    }
    // Min before Max: the JVM refuses a MaxHeapFreeRatio below MinHeapFreeRatio
    setDefault(hotspot, "MinHeapFreeRatio", "10");
    setDefault(hotspot, "MaxHeapFreeRatio", "30");
    setDefault(hotspot, "G1PeriodicGCInterval", PERIODIC_GC_MS);
  }

  private static void setDefault(HotSpotDiagnosticMXBean hotspot, String flag, String value) {
    try {
      VMOption option = hotspot.getVMOption(flag);
      if (option.getOrigin() == VMOption.Origin.DEFAULT) {
        hotspot.setVMOption(flag, value);
      }
    } catch (IllegalArgumentException | SecurityException e) {
      LOG.debug("JVM flag {} left as it is: {}", flag, e.toString());
    }
  }

  /** A Vert.x builder with Micrometer metrics on, publishing to a Prometheus registry. */
  public static VertxBuilder metricsEnabled(VertxOptions options) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Metrics.globalRegistry.add(registry);
    options.setMetricsOptions(
        new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry));
  }
}
