package dev.mad.notify;

import dev.mad.bus.IncidentChange;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Decides what is worth telling about each incident, and says it in both receivers' languages. An
 * incident is told when it opens, when it escalates (its severity rises; the periodic updates in
 * between are not news), when it closes, and when a person acknowledges it, resolves it or marks it
 * a false alarm. Each notice has one event id, the same for every receiver and every retry, so a
 * receiver can drop a repeat.
 *
 * <p>For Alertmanager an incident is one alert, identified by its labels {@code alertname}, {@code
 * host}, {@code severity}, {@code metric} (the leading metric when it opened) and {@code
 * incident_id}; when the severity rises, the alert under the old labels is ended and one under the
 * new labels fires, so Alertmanager's routing by severity sees the change. Firing alerts carry no
 * end here: the sender sets it to a few re-send periods ahead at the moment it sends, and {@link
 * #firing} gives the open ones to re-send, so an alert whose sender died expires by itself.
 *
 * <p>A notice is muted (held back, counted, never sent) when its incident opened muted, or when a
 * silence or maintenance window matches it at the moment it happens. At most {@link #MAX_OPEN}
 * incidents are followed; beyond that the longest-unchanged one is forgotten (a hub has one open
 * incident per host at most, and at most 100,000 hosts). Not thread-safe.
 */
final class Notices {
  /** Version of the webhook document; changes only when a field changes meaning or goes away. */
  static final int SCHEMA_VERSION = 1;

  static final String ALERTNAME = "MetricsAnomaly";
  static final int MAX_OPEN = 100_000;

  /** Whether a notice about an incident on host, led by metric, is held back now: why, or null. */
  interface Muter {
    String why(String host, String metric, long atMs);
  }

  /**
   * One thing to tell: its webhook document, and the alerts for Alertmanager (null when
   * Alertmanager has nothing to learn from it, as for an acknowledgement). {@code muted} says why
   * it is held back, or is null.
   */
  record Notice(
      String eventId,
      String incident,
      String event,
      String host,
      long incidentId,
      JsonObject webhook,
      JsonArray alerts,
      String muted) {}

  private static final class Tracked {
    JsonObject report;
    JsonObject labels;
    int severity;
    boolean muted;
    long changedMs;
  }

  private final String dashboardUrl;
  private final Muter muter;
  private final Map<String, Tracked> open = new LinkedHashMap<>();

  /** @param dashboardUrl the dashboard as people reach it, ending in {@code /} */
  Notices(String dashboardUrl, Muter muter) {
    this.dashboardUrl = dashboardUrl.endsWith("/") ? dashboardUrl : dashboardUrl + "/";
    this.muter = muter;
  }

  static String key(String host, long id) {
    return host + "/" + id;
  }

  /** What an incident change from detection is worth telling; null when nothing. */
  Notice onChange(IncidentChange change, long nowMs) {
    IncidentChange.Report r = change.incident();
    String key = key(r.host(), r.id());
    JsonObject report = r.toJson();
    int severity = IncidentChange.SEVERITIES.indexOf(r.severity());
    Tracked t = open.get(key);
    switch (change.change()) {
      case IncidentChange.CLOSED -> {
        open.remove(key);
        if (t == null) {
          t = track(r, report, severity, nowMs);
        }
        JsonArray alerts = new JsonArray().add(alert(t.labels, report, endOf(r, nowMs)));
        return notice("closed", r, report, null, null, alerts, t.muted, nowMs);
      }
      case IncidentChange.OPENED -> {
        return opened(key, r, report, severity, nowMs);
      }
      default -> {
        if (t == null) {
          // followed from before this verticle started (it was redeployed): tell it as opened
          return opened(key, r, report, severity, nowMs);
        }
        t.report = report;
        t.changedMs = nowMs;
        if (severity <= t.severity) {
          return null;
        }
        JsonObject before = t.labels;
        t.severity = severity;
        t.labels = before.copy().put("severity", r.severity());
        JsonArray alerts =
            new JsonArray()
                .add(alert(before, report, Instant.ofEpochMilli(nowMs).toString()))
                .add(alert(t.labels, report, null));
        return notice("escalated", r, report, null, null, alerts, t.muted, nowMs);
      }
    }
  }

  /** Starts following the incident and tells that it opened. */
  private Notice opened(
      String key, IncidentChange.Report r, JsonObject report, int severity, long nowMs) {
    Tracked t = track(r, report, severity, nowMs);
    open.put(key, t);
    bound();
    JsonArray alerts = new JsonArray().add(alert(t.labels, report, null));
    return notice("opened", r, report, null, null, alerts, t.muted, nowMs);
  }

  /**
   * A person worked the incident: {@code action} is acknowledged, resolved or false_alarm; {@code
   * row} the incident as the history now holds it.
   */
  Notice onWorked(String action, JsonObject row, String by, String comment, long nowMs) {
    IncidentChange.Report r = IncidentChange.Report.fromJson(row);
    Tracked t = open.get(key(r.host(), r.id()));
    boolean muted = t != null && t.muted;
    return notice(action, r, row, by, comment, null, muted, nowMs);
  }

  /** The open incidents' alerts as Alertmanager should now hold them (muted ones left out). */
  JsonArray firing(long nowMs) {
    JsonArray out = new JsonArray();
    for (Tracked t : open.values()) {
      String host = t.report.getString("host");
      if (!t.muted && muter.why(host, t.labels.getString("metric"), nowMs) == null) {
        out.add(alert(t.labels, t.report, null));
      }
    }
    return out;
  }

  /** Forgets incidents unchanged for longer than {@code maxAgeMs} (their close was never seen). */
  void forgetOlderThan(long maxAgeMs, long nowMs) {
    open.values().removeIf(t -> nowMs - t.changedMs > maxAgeMs);
  }

  int followed() {
    return open.size();
  }

  private Tracked track(IncidentChange.Report r, JsonObject report, int severity, long nowMs) {
    Tracked t = new Tracked();
    t.report = report;
    t.severity = severity;
    t.changedMs = nowMs;
    String metric = r.leadingMetric();
    t.labels =
        new JsonObject()
            .put("alertname", ALERTNAME)
            .put("host", r.host())
            .put("severity", r.severity())
            .put("metric", metric == null ? "none" : metric)
            .put("incident_id", Long.toString(r.id()));
    t.muted = muter.why(r.host(), metric, nowMs) != null;
    return t;
  }

  private void bound() {
    Iterator<Map.Entry<String, Tracked>> it = open.entrySet().iterator();
    while (open.size() > MAX_OPEN && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  private static String endOf(IncidentChange.Report r, long nowMs) {
    return r.ended() != null ? r.ended() : Instant.ofEpochMilli(nowMs).toString();
  }

  /** The incident's page in the dashboard. */
  String link(String host, long id) {
    return dashboardUrl
        + "?host="
        + URLEncoder.encode(host, StandardCharsets.UTF_8)
        + "&incident="
        + id;
  }

  private JsonObject alert(JsonObject labels, JsonObject report, String endsAt) {
    String host = report.getString("host");
    long id = report.getLong("id");
    JsonArray factors = report.getJsonArray("severity_factors", new JsonArray());
    List<String> texts = new ArrayList<>();
    factors.forEach(f -> texts.add(String.valueOf(f)));
    JsonObject annotations =
        new JsonObject()
            .put("summary", clip(report.getString("reason", ""), 1000))
            .put("factors", clip(String.join(", ", texts), 1000))
            .put("started", report.getString("started"))
            .put("dashboard", link(host, id));
    JsonObject a =
        new JsonObject()
            .put("labels", labels.copy())
            .put("annotations", annotations)
            .put("startsAt", report.getString("started"))
            .put("generatorURL", link(host, id));
    if (endsAt != null) {
      a.put("endsAt", endsAt);
    }
    return a;
  }

  private Notice notice(
      String event,
      IncidentChange.Report r,
      JsonObject incident,
      String by,
      String comment,
      JsonArray alerts,
      boolean openedMuted,
      long nowMs) {
    String eventId = UUID.randomUUID().toString();
    String metric = r.leadingMetric();
    String why = muter.why(r.host(), metric, nowMs);
    String muted = why != null ? why : openedMuted ? "it opened while muted" : null;
    JsonObject doc =
        new JsonObject()
            .put("schema_version", SCHEMA_VERSION)
            .put("event_id", eventId)
            .put("event", event)
            .put("occurred_at", Instant.ofEpochMilli(nowMs).toString())
            .put("host", r.host())
            .put("incident_id", r.id())
            .put("severity", r.severity())
            .put("metric", metric)
            .put("reason", r.reason())
            .put("dashboard_url", link(r.host(), r.id()))
            .put("incident", incident);
    if (by != null) {
      doc.put("by", by);
    }
    if (comment != null) {
      doc.put("comment", comment);
    }
    return new Notice(eventId, key(r.host(), r.id()), event, r.host(), r.id(), doc, alerts, muted);
  }

  private static String clip(String s, int max) {
    return s.length() > max ? s.substring(0, max) + "…" : s;
  }
}
