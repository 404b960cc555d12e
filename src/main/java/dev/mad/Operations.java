package dev.mad;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * Process-wide operations set-up: one Prometheus registry that receives Vert.x's and the JVM's
 * meters (through vertx-micrometer-metrics) and the product's own (through Micrometer's global
 * registry), scraped at GET /metrics.
 */
public final class Operations {
  private Operations() {}

  /** A Vert.x builder with Micrometer metrics on, publishing to a Prometheus registry. */
  public static VertxBuilder metricsEnabled(VertxOptions options) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Metrics.globalRegistry.add(registry);
    options.setMetricsOptions(
        new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry));
  }
}
