package dev.mad.fleet;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import dev.mad.config.ConfigSchema;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's end of {@link Addresses#FLEET_SAMPLES}: numbers each local sample in its host's
 * stream (stream id {@code host@agent-start-ms}, sequence from 1), keeps it until the hub says it
 * is written to disk, and sends in order, one batch in flight at a time. While the hub is
 * unreachable (restart, network break) samples wait, up to {@code buffer_seconds} per host; beyond
 * that the oldest are dropped, counted and logged, and the hub sees the gap in the sequence. When
 * the hub comes back, or a new hub answers, everything not yet durable is sent again; the hub drops
 * what it already has.
 */
public class FleetAgentVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(FleetAgentVerticle.class);

  /** A new sample is sent at once (or with the batch after the one in flight); this timer retries and asks. */
  private static final long PUMP_MS = 1000;

  /** While everything is sent, how often to ask how far the hub has written. */
  private static final long ASK_MS = 2000;

  private static final long RETRY_MS = 1000;
  private static final long SEND_TIMEOUT_MS = 10_000;

  private final long startedMs = System.currentTimeMillis();
  private final Map<String, Stream> streams = new LinkedHashMap<>();
  private int maxPerStream;
  private int maxStreams;
  private boolean inFlight;
  private long retryAtMs;
  private long lastRequestMs;
  private String hubId;
  private boolean unreachable;
  private long outageStartMs;
  private long failedSends;
  private Counter sent;
  private Counter dropped;
  private Gauge buffered;
  private long timerId = -1;

  /** One host's samples, not yet durable at the hub, oldest first. */
  private static final class Stream {
    final String agentId;
    final String host;
    final ArrayDeque<Entry> pending = new ArrayDeque<>();
    long nextSeq = 1;
    long sentUpTo;
    long droppedSinceLog;

    Stream(String agentId, String host) {
      this.agentId = agentId;
      this.host = host;
    }
  }

  private record Entry(long seq, long timestampMs, double[] values) {}

  @Override
  public Future<?> start() {
    JsonObject c = ConfigSchema.section("agent", config());
    int intervalMs =
        c.getValue("interval_ms") instanceof Integer i
            ? i
            : (Integer) ConfigSchema.setting(ConfigSchema.COLLECT_INTERVAL_MS).defaultValue();
    maxPerStream = (int) Math.max(1, c.getInteger("buffer_seconds") * 1000L / intervalMs);
    maxStreams = c.getValue("max_streams") instanceof Integer m ? Math.max(1, m) : 1;
    sent =
        Counter.builder("mad.agent.samples.sent")
            .description("Samples the hub has written")
            .register(Metrics.globalRegistry);
    dropped =
        Counter.builder("mad.agent.samples.dropped")
            .description(
                "Samples dropped because the hub was unreachable longer than agent.buffer_seconds")
            .register(Metrics.globalRegistry);
    buffered =
        Gauge.builder("mad.agent.samples.buffered", this, v -> v.pendingCount())
            .description("Samples held until the hub has written them")
            .register(Metrics.globalRegistry);
    timerId = vertx.setPeriodic(PUMP_MS, id -> pump());
    var bus = vertx.eventBus();
    var samples = bus.<JsonObject>localConsumer(Addresses.METRICS_SAMPLE, this::onSample);
    var health =
        bus.<JsonObject>localConsumer(
            Addresses.health("agent"),
            m ->
                m.reply(
                    new JsonObject()
                        .put("deployment_id", deploymentID())
                        .put("hub_reachable", !unreachable && hubId != null)
                        .put("hub_id", hubId)
                        .put("streams", streams.size())
                        .put("buffered", pendingCount())
                        .put("failed_sends", failedSends)
                        .put("dropped", (long) dropped.count())));
    return Future.all(samples.completion(), health.completion());
  }

  private long pendingCount() {
    long n = 0;
    for (Stream s : streams.values()) {
      n += s.pending.size();
    }
    return n;
  }

  private void onSample(Message<JsonObject> message) {
    MetricSample sample;
    try {
      sample = MetricSample.fromJson(message.body());
    } catch (RuntimeException e) {
      LOG.warn("Ignoring a malformed sample: {}", e.getMessage());
      return;
    }
    Stream s = streams.get(sample.host());
    if (s == null) {
      if (streams.size() >= maxStreams) {
        LOG.warn(
            "Not sending host '{}': this agent sends at most {} hosts", sample.host(), maxStreams);
        return;
      }
      s = new Stream(sample.host() + "@" + startedMs, sample.host());
      streams.put(sample.host(), s);
    }
    s.pending.addLast(new Entry(s.nextSeq++, sample.timestampMs(), sample.values()));
    if (!inFlight) {
      vertx.runOnContext(x -> pump()); // after the rest of this tick's samples (the simulator's)
    }
    if (s.pending.size() > maxPerStream) {
      s.pending.removeFirst();
      dropped.increment();
      if (s.droppedSinceLog++ == 0) {
        LOG.error(
            "Host '{}': the hub has been unreachable longer than agent.buffer_seconds; dropping the"
                + " oldest samples (the hub will report the gap)",
            s.host);
      }
    }
  }

  /** Sends the next batch: entries not yet sent, oldest first, fairly across hosts. */
  private void pump() {
    long now = System.currentTimeMillis();
    if (inFlight || now < retryAtMs) {
      return;
    }
    JsonArray entries = new JsonArray();
    JsonArray ask = new JsonArray();
    List<Stream> included = new ArrayList<>();
    for (Stream s : streams.values()) {
      if (s.pending.isEmpty()) {
        continue;
      }
      boolean any = false;
      for (Entry e : s.pending) {
        if (entries.size() >= FleetProtocol.MAX_BATCH) {
          break;
        }
        if (e.seq() > s.sentUpTo) {
          entries.add(toJson(s, e));
          s.sentUpTo = e.seq();
          any = true;
        }
      }
      if (!any && ask.size() < FleetProtocol.MAX_BATCH) {
        ask.add(s.agentId); // all sent, some not yet durable: ask how far the hub has written
      }
      included.add(s);
    }
    if (included.isEmpty() || entries.isEmpty() && now - lastRequestMs < ASK_MS) {
      return;
    }
    inFlight = true;
    lastRequestMs = now;
    boolean full = entries.size() >= FleetProtocol.MAX_BATCH;
    vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.FLEET_SAMPLES,
            new JsonObject().put(FleetProtocol.ENTRIES, entries).put(FleetProtocol.ASK, ask),
            new DeliveryOptions().setSendTimeout(SEND_TIMEOUT_MS))
        .onComplete(
            ar -> {
              inFlight = false;
              if (ar.succeeded()) {
                onReply(ar.result().body());
                if (full || unsent()) {
                  // samples came while this batch was out, or catching up after an outage: send
                  // them now rather than with the next tick
                  pump();
                }
              } else {
                onFailure(ar.cause());
              }
            });
  }

  private boolean unsent() {
    for (Stream s : streams.values()) {
      if (!s.pending.isEmpty() && s.pending.peekLast().seq() > s.sentUpTo) {
        return true;
      }
    }
    return false;
  }

  private void onReply(JsonObject reply) {
    String hub = reply.getString(FleetProtocol.HUB_ID);
    if (unreachable) {
      LOG.info(
          "Hub reachable again after {} s; sending what it has not written",
          (System.currentTimeMillis() - outageStartMs) / 1000);
      unreachable = false;
    }
    if (hubId != null && !hubId.equals(hub)) {
      LOG.info("A new hub ({}) answers; sending again what it has not written", hub);
      resendAll();
    }
    hubId = hub;
    JsonObject written = reply.getJsonObject(FleetProtocol.DURABLE, new JsonObject());
    for (Stream s : streams.values()) {
      if (written.getValue(s.agentId) instanceof Number n) {
        long upTo = n.longValue();
        while (!s.pending.isEmpty() && s.pending.peekFirst().seq() <= upTo) {
          s.pending.removeFirst();
          sent.increment();
        }
        s.droppedSinceLog = 0;
      }
    }
  }

  private void onFailure(Throwable cause) {
    failedSends++;
    if (!unreachable) {
      unreachable = true;
      outageStartMs = System.currentTimeMillis();
      LOG.warn(
          "Hub unreachable ({}); keeping up to {} samples per host and trying again",
          cause.getMessage(),
          maxPerStream);
    }
    resendAll();
    retryAtMs = System.currentTimeMillis() + RETRY_MS;
  }

  /** Everything not durable goes again: the hub de-duplicates by sequence number. */
  private void resendAll() {
    for (Stream s : streams.values()) {
      s.sentUpTo = s.pending.isEmpty() ? s.nextSeq - 1 : s.pending.peekFirst().seq() - 1;
    }
  }

  private static JsonObject toJson(Stream s, Entry e) {
    return new MetricSample(e.timestampMs(), s.host, e.values())
        .toJson()
        .put(MetricSample.AGENT_ID, s.agentId)
        .put(MetricSample.SEQ, e.seq());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timerId);
    Metrics.globalRegistry.remove(sent);
    Metrics.globalRegistry.remove(dropped);
    Metrics.globalRegistry.remove(buffered);
    if (pendingCount() > 0) {
      LOG.warn("Agent stopping with {} samples the hub has not written", pendingCount());
    }
    return Future.succeededFuture();
  }
}
