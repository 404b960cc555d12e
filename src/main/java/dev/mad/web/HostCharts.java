package dev.mad.web;

import dev.mad.bus.MetricSample;
import dev.mad.bus.ScoredSample;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The live charts' recent points, per host: the last {@code points} scored samples of each of at
 * most {@code maxHosts} hosts, kept compact (a thousand hosts of 300 points take about 40 MB) and
 * served for one host without looking at the others. The primary host is the one a request
 * without {@code ?host=} means: this machine's (its samples carry no agent id), else the first seen.
 * Used from the web verticle's event loop only.
 */
final class HostCharts {
  private final int points;
  private final int maxHosts;
  private final Map<String, ArrayDeque<ScoredSample>> byHost = new HashMap<>();
  private String primary;
  private boolean primaryIsLocal;

  HostCharts(int points, int maxHosts) {
    this.points = points;
    this.maxHosts = maxHosts;
  }

  /** Keeps a scored sample; returns whether it is of the primary host. */
  boolean add(JsonObject scored) {
    ScoredSample s = ScoredSample.fromJson(scored);
    String host = s.sample().host();
    boolean local = scored.getValue(MetricSample.AGENT_ID) == null;
    if (primary == null || local && !primaryIsLocal) {
      primary = host;
      primaryIsLocal = local;
    }
    ArrayDeque<ScoredSample> ring = byHost.get(host);
    if (ring == null) {
      if (byHost.size() >= maxHosts) {
        return host.equals(primary);
      }
      ring = new ArrayDeque<>(points);
      byHost.put(host, ring);
    }
    ring.addLast(s);
    while (ring.size() > points) {
      ring.removeFirst();
    }
    return host.equals(primary);
  }

  String primary() {
    return primary == null ? "" : primary;
  }

  /** The host a request names, or the primary one when it names none. */
  String resolve(String host) {
    return host == null || host.isEmpty() ? primary() : host;
  }

  boolean knows(String host) {
    return byHost.containsKey(host);
  }

  JsonArray points(String host) {
    JsonArray out = new JsonArray();
    ArrayDeque<ScoredSample> ring = byHost.get(host);
    if (ring != null) {
      ring.forEach(s -> out.add(s.toJson()));
    }
    return out;
  }

  JsonObject latest(String host) {
    ArrayDeque<ScoredSample> ring = byHost.get(host);
    return ring == null || ring.isEmpty() ? new JsonObject() : ring.peekLast().toJson();
  }
}
