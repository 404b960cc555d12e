package dev.mad.collect;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import dev.mad.config.ConfigSchema;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the host every {@code interval_ms} and publishes each sample on
 * {@link Addresses#METRICS_SAMPLE}. Deployed as a worker verticle: OSHI reads block.
 */
public class CollectVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(CollectVerticle.class);

  private HostSampler sampler;
  private long timerId = -1;
  private long failures;
  private int intervalMs;
  private volatile long lastSampleMs;
  private Counter samples;

  @Override
  public Future<?> start() {
    JsonObject c = ConfigSchema.section("collect", config());
    intervalMs = c.getInteger("interval_ms");
    String configuredHost =
        c.getString(
            ConfigSchema.HOST_NAME,
            (String) ConfigSchema.setting(ConfigSchema.HOST_NAME).defaultValue());
    String host = configuredHost.isBlank() ? HostSampler.osHostName() : configuredHost;
    sampler = new HostSampler(host);
    sampler.sample(System.currentTimeMillis());
    timerId = vertx.setPeriodic(intervalMs, id -> collect());
    samples =
        Counter.builder("mad.samples.collected")
            .description("Host samples published")
            .tag("host", host)
            .register(Metrics.globalRegistry);
    LOG.info("Sampling host '{}' every {} ms", host, intervalMs);
    return vertx
        .eventBus()
        .<JsonObject>localConsumer(
            Addresses.health("collect"),
            m -> {
              long age = System.currentTimeMillis() - lastSampleMs;
              if (lastSampleMs > 0 && age > 5L * intervalMs + 5000) {
                m.fail(503, "no sample for " + age / 1000 + " s");
              } else {
                m.reply(
                    new JsonObject()
                        .put("deployment_id", deploymentID())
                        .put("last_sample_age_ms", lastSampleMs > 0 ? age : null));
              }
            })
        .completion();
  }

  private void collect() {
    try {
      MetricSample sample = sampler.sample(System.currentTimeMillis());
      if (sample != null) {
        vertx.eventBus().publish(Addresses.METRICS_SAMPLE, sample.toJson(), Addresses.local());
        lastSampleMs = sample.timestampMs();
        samples.increment();
      }
    } catch (RuntimeException e) {
      // One bad reading (a device vanishing mid-read) must not stop sampling; avoid log floods.
      if (failures++ % 60 == 0) {
        LOG.warn("Host sampling failed ({} failures so far): {}", failures, e.toString());
      }
    }
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }
}
