package dev.mad.fleet;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import dev.mad.config.ConfigSchema;
import dev.mad.generate.LiveHost;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet simulator ({@code agent --simulate-hosts N}): N synthetic hosts {@code sim-0001} ...
 * from the data generator, each with its own seed ({@code simulate_seed + i}), sampled every
 * {@code interval_ms} and published like real samples, so the agent sends them to the hub. Every
 * tenth host gets the generator's injected anomaly episodes; the others stay normal.
 */
public class SimulatorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SimulatorVerticle.class);
  private LiveHost[] hosts;
  private String[] names;
  private long timerId = -1;

  @Override
  public Future<?> start() {
    JsonObject c = ConfigSchema.section("agent", config());
    int n = c.getInteger("simulate_hosts");
    long seed = c.getLong("simulate_seed");
    int intervalMs =
        c.getValue("interval_ms") instanceof Integer i
            ? i
            : (Integer) ConfigSchema.setting(ConfigSchema.COLLECT_INTERVAL_MS).defaultValue();
    hosts = new LiveHost[n];
    names = new String[n];
    for (int i = 0; i < n; i++) {
      hosts[i] = new LiveHost(seed + i, i % 10 == 9 ? 0.02 : 0.0, intervalMs / 1000.0);
      names[i] = String.format("sim-%04d", i + 1);
    }
    timerId = vertx.setPeriodic(intervalMs, id -> tick());
    LOG.info(
        "Simulating {} hosts every {} ms (every tenth with injected anomalies)", n, intervalMs);
    return vertx
        .eventBus()
        .<JsonObject>localConsumer(
            Addresses.health("simulator"),
            m -> m.reply(new JsonObject().put("deployment_id", deploymentID()).put("hosts", n)))
        .completion();
  }

  private void tick() {
    long now = System.currentTimeMillis();
    LocalDateTime local =
        LocalDateTime.ofInstant(Instant.ofEpochMilli(now), ZoneId.systemDefault());
    for (int i = 0; i < hosts.length; i++) {
      JsonObject sample = new MetricSample(now, names[i], hosts[i].next(local)).toJson();
      vertx.eventBus().publish(Addresses.METRICS_SAMPLE, sample, Addresses.local());
    }
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }
}
