package dev.mad.collect;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
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

  @Override
  public Future<?> start() {
    int intervalMs = config().getInteger("interval_ms", 1000);
    String configuredHost = config().getString("host_name", "");
    String host = configuredHost.isBlank() ? HostSampler.osHostName() : configuredHost;
    sampler = new HostSampler(host);
    sampler.sample(System.currentTimeMillis());
    timerId = vertx.setPeriodic(intervalMs, id -> collect());
    LOG.info("Sampling host '{}' every {} ms", host, intervalMs);
    return Future.succeededFuture();
  }

  private void collect() {
    try {
      MetricSample sample = sampler.sample(System.currentTimeMillis());
      if (sample != null) {
        vertx.eventBus().publish(Addresses.METRICS_SAMPLE, sample.toJson());
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
