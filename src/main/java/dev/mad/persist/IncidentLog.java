package dev.mad.persist;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code anomalies.json}: the most recent incidents, newest last, keyed by host and incident id. Every
 * change rewrites a temp file and renames it over the old one, so readers and crashes only ever
 * see a whole, valid JSON document. Blocking; used from the persist worker verticle.
 */
final class IncidentLog {
  private static final Logger LOG = LoggerFactory.getLogger(IncidentLog.class);

  private final Path file;
  private final int maxIncidents;
  private final LinkedHashMap<String, JsonObject> incidents = new LinkedHashMap<>();

  IncidentLog(Path file, int maxIncidents) throws IOException {
    this.file = file;
    this.maxIncidents = maxIncidents;
    load();
  }

  private void load() throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    try {
      JsonArray stored = new JsonArray(Files.readString(file, StandardCharsets.UTF_8));
      for (int i = 0; i < stored.size(); i++) {
        if (stored.getValue(i) instanceof JsonObject o && o.getValue("id") instanceof Number id) {
          incidents.put(key(o.getString("host", ""), id.longValue()), o);
        }
      }
      trim();
    } catch (DecodeException | ClassCastException e) {
      // Only an older tool could have left this; keep it for the user rather than overwrite it.
      Path aside =
          file.resolveSibling("anomalies.unreadable-" + System.currentTimeMillis() + ".json");
      Files.move(file, aside);
      LOG.warn("{} was not valid JSON; moved it to {} and started a new one", file, aside);
    }
  }

  /** Adds or replaces an incident by id, then rewrites the file. */
  void upsert(JsonObject incident) throws IOException {
    incidents.put(key(incident.getString("host", ""), incident.getLong("id")), incident);
    trim();
    write();
  }

  /** An incident's id is its start time, unique per host; a fleet's hosts may share one. */
  private static String key(String host, long id) {
    return host + "\u0000" + id;
  }

  List<JsonObject> recent(int limit) {
    return recent(limit, null);
  }

  /** The newest {@code limit} incidents, oldest first; of {@code host} only unless it is null. */
  List<JsonObject> recent(int limit, String host) {
    List<JsonObject> all = new ArrayList<>(incidents.values());
    if (host != null) {
      all.removeIf(i -> !host.equals(i.getString("host")));
    }
    return all.subList(Math.max(0, all.size() - limit), all.size());
  }

  int size() {
    return incidents.size();
  }

  private void trim() {
    var it = incidents.keySet().iterator();
    while (incidents.size() > maxIncidents && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  /**
   * Closes the incidents left open when the server last stopped, at the last sample that saw them
   * (start + duration), with a {@code note} saying so; rewrites the file when there were any.
   *
   * @return how many were closed
   */
  int closeLeftOpen() throws IOException {
    int n = 0;
    for (JsonObject o : incidents.values()) {
      if (o.getValue("ended") == null && o.getValue("started") instanceof String started) {
        o.put("ended", IncidentStore.lastSeen(started, o.getDouble("duration_s", 0.0)))
            .put("note", IncidentStore.RESTART_NOTE);
        n++;
      }
    }
    if (n > 0) {
      write();
    }
    return n;
  }

  /** Writes the incidents held in memory again (after a failed write, or a deleted file). */
  void save() throws IOException {
    write();
  }

  private void write() throws IOException {
    WholeFile.replace(file, new JsonArray(new ArrayList<>(incidents.values())).encodePrettily());
  }
}
