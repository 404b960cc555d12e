package dev.mad.fleet;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import dev.mad.config.ConfigSchema;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's end of {@link Addresses#FLEET_SAMPLES}, the one cluster address: takes agents' batches,
 * drops what it has already accepted (an agent sends again what was not acknowledged), passes each
 * new sample to detect inside this process, and answers with what persist has written, so an agent
 * forgets a sample only once it is on disk. A jump in a stream's sequence (the agent's buffer
 * overflowed during an outage) is logged, counted and travels on with the next sample as {@code
 * gap}. Remembers at most {@code max_streams} streams.
 */
public class FleetHubVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(FleetHubVerticle.class);

  private final String hubId = UUID.randomUUID().toString();
  private LocalMap<String, Long> durable;
  private Map<String, Long> accepted;
  private Counter received;
  private Counter duplicates;
  private Counter lost;
  private Counter malformed;
  private MessageConsumer<JsonObject> consumer;

  @Override
  public Future<?> start() {
    int maxStreams =
        config().getValue("max_streams") instanceof Integer m
            ? m
            : 2 * (Integer) ConfigSchema.setting("hub.max_hosts").defaultValue();
    accepted =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > maxStreams;
          }
        };
    durable = vertx.sharedData().getLocalMap(Addresses.DURABLE_MAP);
    received = counter("mad.fleet.samples.received", "Fleet samples accepted from agents");
    duplicates =
        counter("mad.fleet.samples.duplicate", "Fleet samples sent again and already accepted");
    lost =
        counter(
            "mad.fleet.samples.lost",
            "Fleet samples an agent dropped (its buffer overflowed while the hub was unreachable)");
    malformed = counter("mad.fleet.samples.malformed", "Fleet entries refused as malformed");
    // the one consumer of the product that other cluster members may reach
    consumer = vertx.eventBus().consumer(Addresses.FLEET_SAMPLES, this::onBatch);
    var health =
        vertx
            .eventBus()
            .<JsonObject>localConsumer(
                Addresses.health("fleet"),
                m ->
                    m.reply(
                        new JsonObject()
                            .put("deployment_id", deploymentID())
                            .put("hub_id", hubId)
                            .put("streams", accepted.size())));
    LOG.info("Hub {} receiving agents' samples on the cluster", hubId);
    return Future.all(consumer.completion(), health.completion());
  }

  private static Counter counter(String name, String doc) {
    return Counter.builder(name).description(doc).register(Metrics.globalRegistry);
  }

  private void onBatch(Message<JsonObject> message) {
    JsonObject body = message.body();
    JsonArray entries = body == null ? null : body.getJsonArray(FleetProtocol.ENTRIES);
    if (entries == null || entries.size() > FleetProtocol.MAX_BATCH) {
      message.fail(400, "a batch is {entries: [...]} of at most " + FleetProtocol.MAX_BATCH);
      return;
    }
    Map<String, Long> streams = new HashMap<>();
    for (Object o : entries) {
      if (!(o instanceof JsonObject e) || !accept(e, streams)) {
        malformed.increment();
      }
    }
    JsonArray ask = body.getJsonArray(FleetProtocol.ASK, new JsonArray());
    for (int i = 0; i < ask.size() && i < FleetProtocol.MAX_BATCH; i++) {
      if (ask.getValue(i) instanceof String agent) {
        streams.putIfAbsent(agent, 0L);
      }
    }
    JsonObject written = new JsonObject();
    for (String agent : streams.keySet()) {
      written.put(agent, durable.getOrDefault(agent, 0L));
    }
    message.reply(
        new JsonObject().put(FleetProtocol.HUB_ID, hubId).put(FleetProtocol.DURABLE, written));
  }

  private boolean accept(JsonObject e, Map<String, Long> streams) {
    if (!(e.getValue(MetricSample.AGENT_ID) instanceof String agent)
        || agent.isEmpty()
        || agent.length() > FleetProtocol.MAX_ID_LENGTH
        || !(e.getValue(MetricSample.SEQ) instanceof Number seqNumber)
        || !(e.getValue(MetricSample.HOST) instanceof String host)
        || host.isEmpty()
        || host.length() > FleetProtocol.MAX_ID_LENGTH
        || !(e.getValue(MetricSample.TIMESTAMP) instanceof Number)) {
      return false;
    }
    MetricSample sample;
    try {
      sample = MetricSample.fromJson(e);
    } catch (RuntimeException bad) {
      return false;
    }
    long seq = seqNumber.longValue();
    streams.putIfAbsent(agent, 0L);
    Long last = accepted.get(agent);
    if (last == null) {
      last = durable.getOrDefault(agent, 0L);
    }
    if (seq <= last) {
      duplicates.increment();
      return true;
    }
    JsonObject out = sample.toJson().put(MetricSample.AGENT_ID, agent).put(MetricSample.SEQ, seq);
    if (last > 0 && seq > last + 1) {
      long gap = seq - last - 1;
      lost.increment(gap);
      out.put(FleetProtocol.GAP, gap);
      LOG.warn(
          "Host '{}' (agent {}): {} samples lost before #{}; the agent's buffer overflowed while"
              + " it could not reach the hub",
          host,
          agent,
          gap,
          seq);
    }
    accepted.put(agent, seq);
    received.increment();
    vertx.eventBus().publish(Addresses.METRICS_SAMPLE, out, Addresses.local());
    return true;
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }
}
