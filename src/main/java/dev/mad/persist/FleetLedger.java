package dev.mad.persist;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code fleet_ledger.json}: for each agent stream, the sequence number of the last sample written
 * to {@code metrics_history.csv}. The hub acknowledges samples from it (an agent forgets a sample
 * only once it is on disk) and, after a restart, de-duplicates what agents send again. At most
 * {@code maxStreams} streams, the least recently written forgotten first. Saved whole ({@link WholeFile}),
 * so a crash leaves the previous file; it lags the history by at most one save
 * period, so after a crash up to that much may be written twice, never lost.
 */
final class FleetLedger {
  private static final Logger LOG = LoggerFactory.getLogger(FleetLedger.class);
  static final String FILE = "fleet_ledger.json";

  private final Path file;
  private final int maxStreams;
  private final LinkedHashMap<String, Long> written;
  private boolean dirty;

  FleetLedger(Path logsDir, int maxStreams) {
    this.file = logsDir.resolve(FILE);
    this.maxStreams = maxStreams;
    this.written =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > FleetLedger.this.maxStreams;
          }
        };
    load();
  }

  private void load() {
    if (!Files.isRegularFile(file)) {
      return;
    }
    try {
      JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
      JsonObject streams = json.getJsonObject("streams", new JsonObject());
      for (String agent : streams.fieldNames()) {
        if (streams.getValue(agent) instanceof Number n) {
          written.put(agent, n.longValue());
        }
      }
    } catch (IOException | DecodeException | ClassCastException e) {
      LOG.warn("{} unreadable ({}); starting a new one", file, e.getMessage());
    }
  }

  void written(String agent, long seq) {
    Long before = written.get(agent);
    if (before == null || seq > before) {
      written.put(agent, seq);
      dirty = true;
    }
  }

  Map<String, Long> streams() {
    return Map.copyOf(written);
  }

  /** Writes the file if anything changed since the last save. */
  void save() throws IOException {
    if (!dirty) {
      return;
    }
    JsonObject streams = new JsonObject();
    written.forEach(streams::put);
    WholeFile.replace(file, new JsonObject().put("streams", streams).encode());
    dirty = false;
  }
}
