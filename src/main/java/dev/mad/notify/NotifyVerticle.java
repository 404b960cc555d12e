package dev.mad.notify;

import dev.mad.bus.Addresses;
import dev.mad.bus.IncidentChange;
import dev.mad.config.ConfigSchema;
import dev.mad.files.LogsDir;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells people about incidents where they already look: Prometheus Alertmanager and webhooks
 * ({@code notify.*}). Every notice ({@link Notices}) is first written to the {@link Outbox}, one
 * row per receiver, then sent by that receiver's own sender: one request at a time, oldest first,
 * so one incident's events arrive in order; a failed attempt is retried after 1 s, 2 s, 4 s, ... up
 * to {@code notify.retry_max_seconds}, until {@code notify.give_up_hours} have passed (then the
 * notice is dropped, logged and counted). A receiver that answers with a client error (other than
 * 408 and 429) would refuse the notice forever: it is dropped at once, logged and counted. Open
 * incidents are re-sent to each Alertmanager every {@code notify.resend_seconds}, as Alertmanager
 * expects of its clients.
 *
 * <p>A worker verticle: its JDBC writes run on a worker thread, and the HTTP client never blocks,
 * so a dead receiver slows neither detection nor the dashboard; it only makes this verticle's
 * outbox grow, to {@code notify.outbox_limit} per receiver. Problems (a receiver failing, the
 * database unwritable) show in {@code /health} and as {@code mad_notifications_*} meters.
 */
public final class NotifyVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(NotifyVerticle.class);
  private static final long FIRST_RETRY_MS = 1000;

  /** A receiver failing longer than this is a problem /health reports. */
  private static final long UNHEALTHY_AFTER_MS = 60_000;

  private JsonObject settings;
  private Outbox outbox;
  private Mutes mutes;
  private Notices notices;
  private HttpClient client;
  private String dbProblem;
  private final Map<String, Sender> senders = new LinkedHashMap<>();
  private final List<Meter> meters = new ArrayList<>();
  private long muted;
  private long timeoutMs;
  private long retryMaxMs;
  private long giveUpMs;
  private long resendMs;
  private boolean stopping;

  /** What one receiver's sender knows: its queue's head is in the outbox. */
  private final class Sender {
    final Receiver receiver;
    volatile long sent;
    volatile long failed;
    volatile long dropped;
    volatile int pending;
    boolean inFlight;
    long timer = -1;
    long failingSinceMs;
    String lastError;

    private void count(String meter, String doc, ToDoubleFunction<Sender> f) {
      meters.add(
          FunctionCounter.builder(meter, this, f)
              .description(doc)
              .tag("receiver", receiver.name())
              .register(Metrics.globalRegistry));
    }

    Sender(Receiver receiver) {
      this.receiver = receiver;
      String name = receiver.name();
      count("mad.notifications.sent", "Notifications a receiver took", s -> s.sent);
      count("mad.notifications.failed", "Attempts that failed (each is retried)", s -> s.failed);
      count(
          "mad.notifications.dropped",
          "Notifications given up on (too old, refused, or over the outbox limit)",
          s -> s.dropped);
      meters.add(
          Gauge.builder("mad.notifications.pending", this, s -> s.pending)
              .description("Notifications waiting in the outbox")
              .tag("receiver", name)
              .register(Metrics.globalRegistry));
    }
  }

  @Override
  public Future<?> start() {
    settings = ConfigSchema.section("notify", config());
    timeoutMs = settings.getInteger("timeout_seconds") * 1000L;
    retryMaxMs = settings.getInteger("retry_max_seconds") * 1000L;
    giveUpMs = settings.getInteger("give_up_hours") * 3_600_000L;
    resendMs = settings.getInteger("resend_seconds") * 1000L;
    Path dir = Path.of(ConfigSchema.logsDir(config()));
    Path file = dir.resolve(LogsDir.NOTIFICATIONS_DB);
    try {
      Files.createDirectories(dir);
      outbox = Outbox.open(file, settings.getInteger("outbox_limit"));
      mutes = Mutes.open(file, settings.getJsonArray("maintenance"));
    } catch (Exception e) {
      return Future.failedFuture(
          new IllegalStateException("cannot open " + file + ": " + e.getMessage(), e));
    }
    String dashboard = settings.getString("dashboard_url");
    if (dashboard.isBlank()) {
      dashboard = config().getString("default_dashboard_url", "http://127.0.0.1:5000/");
    }
    notices = new Notices(dashboard, mutes::why);
    meters.add(
        FunctionCounter.builder("mad.notifications.muted", this, v -> v.muted)
            .description("Notices held back by a silence or maintenance window")
            .register(Metrics.globalRegistry));
    client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setConnectTimeout((int) timeoutMs)
                .setIdleTimeout((int) (timeoutMs / 1000))
                .setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(2));
    List<Receiver> receivers = Receiver.configured(settings);
    try {
      int forgotten = outbox.forgetOthers(receivers.stream().map(Receiver::name).toList());
      if (forgotten > 0) {
        LOG.warn("Dropped {} notifications waiting for receivers no longer configured", forgotten);
      }
      for (Receiver r : receivers) {
        Sender s = new Sender(r);
        s.pending = outbox.pending(r.name());
        senders.put(r.name(), s);
        LOG.info(
            "Notifications go to {} {} ({} waiting from before)",
            r.kind() == Receiver.Kind.ALERTMANAGER ? "Alertmanager" : "webhook",
            r.target(),
            s.pending);
      }
    } catch (SQLException e) {
      return Future.failedFuture(e);
    }
    senders.values().forEach(this::pump);
    if (senders.values().stream().anyMatch(s -> s.receiver.kind() == Receiver.Kind.ALERTMANAGER)) {
      vertx.setPeriodic(resendMs, id -> resend());
    }
    vertx.setPeriodic(60_000, id -> tidy());
    var bus = vertx.eventBus();
    return Future.all(
        List.of(
            bus.<JsonObject>localConsumer(Addresses.INCIDENT, this::onIncident).completion(),
            bus.<JsonObject>localConsumer(Addresses.INCIDENT_WORKED, this::onWorked).completion(),
            bus.<JsonObject>localConsumer(Addresses.NOTIFY_MUTES, this::onMutes).completion(),
            bus.<JsonObject>localConsumer(Addresses.health("notify"), this::health).completion()));
  }

  private void onIncident(Message<JsonObject> message) {
    IncidentChange change = IncidentChange.fromJson(message.body());
    record(notices.onChange(change, System.currentTimeMillis()));
  }

  private void onWorked(Message<JsonObject> message) {
    JsonObject b = message.body();
    record(
        notices.onWorked(
            b.getString("action"),
            b.getJsonObject("incident"),
            b.getString("by"),
            b.getString("comment"),
            System.currentTimeMillis()));
  }

  /** Writes the notice to the outbox for every receiver that takes it, then wakes their senders. */
  private void record(Notices.Notice n) {
    if (n == null) {
      return;
    }
    long now = System.currentTimeMillis();
    if (n.muted() != null) {
      muted++;
      LOG.info(
          "Not notifying '{}' of incident #{} on {}: {}",
          n.event(),
          n.incidentId(),
          n.host(),
          n.muted());
      if (n.event().equals("opened")) {
        long until = mutes.mutedUntil(n.host(), n.webhook().getString("metric"), now);
        if (until > 0) {
          vertx
              .eventBus()
              .send(
                  Addresses.INCIDENT_MUTED,
                  new JsonObject()
                      .put("host", n.host())
                      .put("id", n.incidentId())
                      .put("until", Instant.ofEpochMilli(until).toString()),
                  Addresses.local());
        }
      }
      return;
    }
    List<Outbox.Draft> drafts = new ArrayList<>();
    for (Sender s : senders.values()) {
      if (s.receiver.kind() == Receiver.Kind.WEBHOOK) {
        drafts.add(
            new Outbox.Draft(
                s.receiver.name(), n.eventId(), n.incident(), n.event(), n.webhook().encode()));
      } else if (n.alerts() != null) {
        drafts.add(
            new Outbox.Draft(
                s.receiver.name(), n.eventId(), n.incident(), n.event(), n.alerts().encode()));
      }
    }
    if (drafts.isEmpty()) {
      return;
    }
    try {
      for (Outbox.Entry lost : outbox.add(drafts, now)) {
        Sender s = senders.get(lost.receiver());
        s.dropped++;
        LOG.error(
            "Outbox of {} is full ({} waiting): dropped the oldest notification, '{}' of {}",
            lost.receiver(),
            settings.getInteger("outbox_limit"),
            lost.event(),
            lost.incident());
      }
      dbProblem = null;
    } catch (SQLException e) {
      dbProblem = "cannot write to " + LogsDir.NOTIFICATIONS_DB + ": " + e.getMessage();
      LOG.error("Notification '{}' of incident {} is lost: {}", n.event(), n.incident(), dbProblem);
      return;
    }
    for (Outbox.Draft d : drafts) {
      Sender s = senders.get(d.receiver());
      s.pending = Math.min(s.pending + 1, settings.getInteger("outbox_limit"));
      pump(s);
    }
  }

  /** Sends the receiver's oldest waiting notification, unless one is on its way or waits to be retried. */
  private void pump(Sender s) {
    if (s.inFlight || s.timer >= 0 || stopping) {
      return;
    }
    Outbox.Entry e;
    try {
      e = outbox.head(s.receiver.name());
      s.pending = outbox.pending(s.receiver.name());
    } catch (SQLException ex) {
      dbProblem = "cannot read " + LogsDir.NOTIFICATIONS_DB + ": " + ex.getMessage();
      LOG.error("{}", dbProblem);
      wake(s, retryMaxMs);
      return;
    }
    if (e == null) {
      return;
    }
    long now = System.currentTimeMillis();
    if (e.nextMs() > now) {
      wake(s, e.nextMs() - now);
      return;
    }
    s.inFlight = true;
    String body =
        s.receiver.kind() == Receiver.Kind.ALERTMANAGER ? withEnds(e.body(), now) : e.body();
    s.receiver
        .post(client, body, e.event(), e.eventId(), timeoutMs)
        .onComplete(
            ar -> {
              s.inFlight = false;
              Receiver.Outcome o = ar.result();
              try {
                if (o.delivered()) {
                  outbox.delivered(e.seq());
                  s.sent++;
                  if (s.failingSinceMs > 0) {
                    LOG.info(
                        "{} takes notifications again after {} s",
                        s.receiver.name(),
                        (System.currentTimeMillis() - s.failingSinceMs) / 1000);
                  }
                  s.failingSinceMs = 0;
                  s.lastError = null;
                  pump(s);
                  return;
                }
                s.failed++;
                s.lastError = o.error();
                long age = System.currentTimeMillis() - e.createdMs();
                if (!o.retry() || age > giveUpMs) {
                  outbox.drop(e.seq());
                  s.dropped++;
                  LOG.error(
                      "Dropped notification '{}' of {} to {} after {} attempts: {}",
                      e.event(),
                      e.incident(),
                      s.receiver.target(),
                      e.attempts() + 1,
                      o.retry()
                          ? "not delivered in " + settings.getInteger("give_up_hours") + " h"
                          : o.error());
                  pump(s);
                  return;
                }
                if (s.failingSinceMs == 0) {
                  s.failingSinceMs = System.currentTimeMillis();
                  LOG.warn(
                      "{} ({}) does not take notifications: {}; retrying",
                      s.receiver.name(),
                      s.receiver.target(),
                      o.error());
                }
                long delay = Math.min(retryMaxMs, FIRST_RETRY_MS << Math.min(20, e.attempts()));
                outbox.failed(e.seq(), o.error(), System.currentTimeMillis() + delay);
                wake(s, delay);
              } catch (SQLException ex) {
                dbProblem = "cannot write to " + LogsDir.NOTIFICATIONS_DB + ": " + ex.getMessage();
                LOG.error("{}", dbProblem);
                wake(s, retryMaxMs);
              }
            });
  }

  private void wake(Sender s, long delayMs) {
    if (s.timer >= 0 || stopping) {
      return;
    }
    s.timer =
        vertx.setTimer(
            Math.max(1, delayMs),
            id -> {
              s.timer = -1;
              pump(s);
            });
  }

  /** Firing alerts hold until a few re-send periods from now (Prometheus uses four). */
  private String withEnds(String alertsJson, long nowMs) {
    JsonArray alerts = new JsonArray(alertsJson);
    String ends = Instant.ofEpochMilli(nowMs + 4 * resendMs).toString();
    for (Object o : alerts) {
      JsonObject a = (JsonObject) o;
      if (a.getString("endsAt") == null) {
        a.put("endsAt", ends);
      }
    }
    return alerts.encode();
  }

  /**
   * Re-sends the open incidents to each Alertmanager that has nothing waiting (when something
   * waits, its delivery says the same, later, in order). Not kept in the outbox: the next re-send
   * says it again.
   */
  private void resend() {
    long now = System.currentTimeMillis();
    JsonArray firing = notices.firing(now);
    if (firing.isEmpty()) {
      return;
    }
    String body = withEnds(firing.encode(), now);
    for (Sender s : senders.values()) {
      if (s.receiver.kind() == Receiver.Kind.ALERTMANAGER && s.pending == 0 && !s.inFlight) {
        // once more at once if it failed: a kept-alive connection the other side just closed
        s.receiver
            .post(client, body, "resend", "", timeoutMs)
            .compose(
                o ->
                    o.delivered() || !o.retry()
                        ? Future.succeededFuture(o)
                        : s.receiver.post(client, body, "resend", "", timeoutMs))
            .onSuccess(
                o -> {
                  if (!o.delivered()) {
                    s.failed++;
                    s.lastError = o.error();
                  }
                });
      }
    }
  }

  private void tidy() {
    long now = System.currentTimeMillis();
    // an incident unchanged for a day has closed without this verticle seeing it (a redeploy)
    notices.forgetOlderThan(86_400_000L, now);
    try {
      mutes.expire(now);
    } catch (SQLException e) {
      LOG.warn("Cannot forget ended silences: {}", e.getMessage());
    }
  }

  private void onMutes(Message<JsonObject> message) {
    JsonObject b = message.body();
    long now = System.currentTimeMillis();
    try {
      switch (b.getString("op", "")) {
        case "list" -> {
          mutes.expire(now);
          JsonArray silences = new JsonArray();
          mutes.silences().forEach(s -> silences.add(s.toJson()));
          JsonArray windows = new JsonArray();
          mutes.windows().forEach(w -> windows.add(w.toJson()));
          message.reply(
              new JsonObject()
                  .put("silences", silences)
                  .put("maintenance", windows)
                  .put("receivers", receivers()));
        }
        case "silence" -> {
          Mutes.Silence s =
              mutes.silence(
                  b.getString("host"),
                  b.getString("metric"),
                  b.getLong("until_ms"),
                  b.getString("by"),
                  b.getString("comment"),
                  now);
          LOG.info(
              "Notifications of {}{} silenced until {} by {}",
              s.host(),
              s.metric() == null ? "" : " / " + s.metric(),
              Instant.ofEpochMilli(s.untilMs()),
              s.by());
          message.reply(s.toJson());
        }
        case "maintenance" -> {
          Mutes.Window w =
              mutes.window(
                  b.getString("host"),
                  b.getLong("start_ms"),
                  b.getLong("end_ms"),
                  b.getString("by"),
                  b.getString("comment"),
                  now);
          LOG.info(
              "Maintenance window for {} from {} to {} by {}",
              w.host(),
              Instant.ofEpochMilli(w.startMs()),
              Instant.ofEpochMilli(w.endMs()),
              w.by());
          message.reply(w.toJson());
        }
        case "unsilence" -> removed(message, mutes.removeSilence(b.getLong("id")), "silence");
        case "unmaintain" ->
            removed(message, mutes.removeWindow(b.getLong("id")), "maintenance window");
        default -> message.fail(400, "unknown op");
      }
    } catch (Mutes.Refused e) {
      message.fail(400, e.getMessage());
    } catch (SQLException e) {
      message.fail(503, "cannot write to " + LogsDir.NOTIFICATIONS_DB + ": " + e.getMessage());
    }
  }

  private static void removed(Message<JsonObject> message, boolean removed, String what) {
    if (removed) {
      message.reply(new JsonObject().put("removed", true));
    } else {
      message.fail(
          404, "no " + what + " of that id (one from the configuration cannot be removed)");
    }
  }

  private JsonArray receivers() {
    JsonArray out = new JsonArray();
    long now = System.currentTimeMillis();
    for (Sender s : senders.values()) {
      JsonObject r =
          new JsonObject()
              .put("name", s.receiver.name())
              .put("kind", s.receiver.kind().name().toLowerCase(Locale.ROOT))
              .put("url", s.receiver.target())
              .put("pending", s.pending)
              .put("sent", s.sent)
              .put("failed", s.failed)
              .put("dropped", s.dropped);
      if (s.failingSinceMs > 0) {
        r.put("failing_seconds", (now - s.failingSinceMs) / 1000).put("last_error", s.lastError);
      }
      out.add(r);
    }
    return out;
  }

  private void health(Message<JsonObject> message) {
    JsonObject reply =
        new JsonObject().put("deployment_id", deploymentID()).put("receivers", receivers());
    long now = System.currentTimeMillis();
    List<String> problems = new ArrayList<>();
    if (dbProblem != null) {
      problems.add(dbProblem);
    }
    for (Sender s : senders.values()) {
      if (s.failingSinceMs > 0 && now - s.failingSinceMs > UNHEALTHY_AFTER_MS) {
        problems.add(
            s.receiver.name()
                + " has not taken notifications for "
                + (now - s.failingSinceMs) / 1000
                + " s ("
                + s.pending
                + " waiting): "
                + s.lastError);
      }
    }
    if (!problems.isEmpty()) {
      reply.put("problem", String.join("; ", problems));
    }
    message.reply(reply);
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    senders
        .values()
        .forEach(
            s -> {
              if (s.timer >= 0) {
                vertx.cancelTimer(s.timer);
              }
            });
    meters.forEach(Metrics.globalRegistry::remove);
    Future<Void> closed = client == null ? Future.succeededFuture() : client.close();
    return closed.onComplete(
        ar -> {
          close(outbox);
          close(mutes);
        });
  }

  private static void close(AutoCloseable c) {
    try {
      if (c != null) {
        c.close();
      }
    } catch (Exception e) {
      LOG.warn("Closing {}: {}", LogsDir.NOTIFICATIONS_DB, e.getMessage());
    }
  }
}
