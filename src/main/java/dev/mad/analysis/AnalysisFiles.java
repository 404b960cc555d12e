package dev.mad.analysis;

import dev.mad.files.LogsDir;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Per-analysis result files under {@code logs/analyses/}: {@code ID.csv} (every row with its
 * verdict), {@code ID.chart.json} (the chart's points) and, on first download, {@code ID.json}.
 * Only the newest {@link #KEEP} analyses keep their files, so the directory stays bounded; their
 * summaries and flagged rows stay in the history database.
 */
public final class AnalysisFiles {
  public static final int KEEP = 20;
  private final Path dir;

  public AnalysisFiles(Path logsDir) {
    this.dir = logsDir.resolve(LogsDir.ANALYSES_DIR);
  }

  public Path resultsCsv(long id) {
    return dir.resolve(id + ".csv");
  }

  public Path resultsJson(long id) {
    return dir.resolve(id + ".json");
  }

  public Path chartJson(long id) {
    return dir.resolve(id + ".chart.json");
  }

  /** Keeps {@code latestCsv} (hard-linked when possible, copied otherwise) and the chart under the id. */
  public void store(long id, Path latestCsv, String chartJson) throws IOException {
    Files.createDirectories(dir);
    Path csv = resultsCsv(id);
    Files.deleteIfExists(csv);
    try {
      Files.createLink(csv, latestCsv);
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(latestCsv, csv, StandardCopyOption.REPLACE_EXISTING);
    }
    Path tmp = dir.resolve("." + id + ".chart.json.tmp");
    Files.writeString(tmp, chartJson, StandardCharsets.UTF_8);
    Files.move(
        tmp, chartJson(id), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    prune();
  }

  private void prune() throws IOException {
    List<Long> ids = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.matches("\\d+\\.csv"))
          .forEach(n -> ids.add(Long.parseLong(n.substring(0, n.length() - 4))));
    }
    ids.sort(null);
    for (int i = 0; i < ids.size() - KEEP; i++) {
      long old = ids.get(i);
      Files.deleteIfExists(resultsCsv(old));
      Files.deleteIfExists(resultsJson(old));
      Files.deleteIfExists(chartJson(old));
    }
  }
}
