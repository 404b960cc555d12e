package dev.mad.analysis;

import dev.mad.batch.BatchSettings;
import dev.mad.batch.csv.InputDataException;
import dev.mad.batch.csv.MetricsCsv;
import dev.mad.bus.Addresses;
import dev.mad.bus.AnalysisProgress;
import dev.mad.files.LogsDir;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analysis verticle's work: checks uploaded files and runs them through the batch
 * engine on a pool of its own (one at a time, a few waiting at most), keeps their jobs' state, and
 * answers the dashboard's questions about past analyses from the history database and result files.
 */
final class AnalysisService {
  private static final Logger LOG = LoggerFactory.getLogger(AnalysisService.class);
  static final String ANALYSIS_POOL = "mad-analysis";
  private static final int MAX_WAITING = 3;
  private static final long PROGRESS_EVERY_NANOS = 200_000_000L;
  private static final int DETAIL_ROWS = 500;

  private final Vertx vertx;
  private final Path logsDir;
  private final BatchSettings settings;
  private final int keepAnalyses;
  private final AnalysisFiles files;
  private final WorkerExecutor pool;
  private final AtomicInteger queued = new AtomicInteger();
  private final UploadJobs jobs = new UploadJobs();

  private final JsonObject detect;
  private final int memoryMb;
  private volatile Process running;

  /**
   * @param detect   the server's detect section: uploads are analysed with its settings
   * @param memoryMb heap of the JVM each upload is analysed in ({@code analysis.memory_mb}); 0 runs
   *     analyses in this JVM (tests of the pieces around it)
   */
  AnalysisService(Vertx vertx, Path logsDir, JsonObject detect, int keepAnalyses, int memoryMb) {
    this.vertx = vertx;
    this.logsDir = logsDir;
    this.keepAnalyses = keepAnalyses;
    this.detect = detect;
    this.memoryMb = memoryMb;
    this.settings = BatchSettings.forUploads(detect);
    this.files = new AnalysisFiles(logsDir);
    this.pool = vertx.createSharedWorkerExecutor(ANALYSIS_POOL, 1, 30, TimeUnit.MINUTES);
  }

  private AnalysisHistory history() throws SQLException {
    return AnalysisHistory.open(logsDir.resolve(LogsDir.HISTORY_DB));
  }

  void run(Message<JsonObject> message) {
    JsonObject request = message.body();
    String jobId = request.getString("job_id");
    String name = request.getString("file_name");
    Path upload = Path.of(request.getString("path"));
    boolean wait = request.getBoolean("wait", false);
    try {
      checkUpload(upload, name);
    } catch (InputDataException e) {
      LOG.warn("Upload refused: {}", e.getMessage());
      deleteQuietly(upload);
      message.fail(400, e.getMessage());
      return;
    } catch (IOException e) {
      LOG.error("Cannot read uploaded {}: {}", name, e.toString());
      deleteQuietly(upload);
      message.fail(500, "cannot read the uploaded file");
      return;
    }
    if (queued.incrementAndGet() > MAX_WAITING) {
      queued.decrementAndGet();
      deleteQuietly(upload);
      message.fail(429, "too many analyses are waiting; try again in a minute");
      return;
    }
    UploadJob job = jobs.add(jobId, name);
    if (!wait) {
      message.reply(new JsonObject().put("job_id", jobId));
    }
    publish(jobId, name, "uploaded", 0.0, null);
    long[] lastEvent = {0};
    pool.executeBlocking(
            () -> {
              job.running();
              DoubleConsumer progress =
                  fraction -> {
                    job.progress(fraction);
                    long now = System.nanoTime();
                    if (now - lastEvent[0] >= PROGRESS_EVERY_NANOS) {
                      lastEvent[0] = now;
                      publish(jobId, name, "running", fraction, null);
                    }
                  };
              try {
                if (memoryMb == 0) {
                  BatchRunner.Outcome o =
                      BatchRunner.run(
                          upload, name, settings, logsDir, keepAnalyses, null, "upload", progress);
                  return new ChildAnalysis.Result(
                      o.analysisId(),
                      o.result().rows(),
                      o.result().anomalies(),
                      o.result().anomalyRate());
                }
                ChildAnalysis.Result r =
                    ChildAnalysis.run(
                        upload,
                        name,
                        detect,
                        logsDir,
                        keepAnalyses,
                        memoryMb,
                        progress,
                        p -> running = p);
                Metrics.counter(BatchRunner.ROWS_ANALYSED, "source", "upload").increment(r.rows());
                return r;
              } finally {
                running = null;
                deleteQuietly(upload);
                queued.decrementAndGet();
              }
            },
            false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                ChildAnalysis.Result outcome = ar.result();
                job.done(
                    outcome.analysisId(),
                    outcome.rows(),
                    outcome.anomalies(),
                    outcome.anomalyRate());
                vertx
                    .eventBus()
                    .publish(
                        Addresses.DASHBOARD_ANALYSIS,
                        new AnalysisProgress(jobId, name, "done", 1.0, outcome.analysisId(), null)
                            .toJson(),
                        Addresses.local());
                if (wait) {
                  message.reply(job.toJson());
                }
              } else {
                Throwable e = ar.cause();
                boolean badInput = e instanceof InputDataException;
                String why = badInput ? e.getMessage() : "analysis failed: " + e.getMessage();
                if (!badInput) {
                  LOG.error("Analysis of uploaded {} failed", name, e);
                }
                job.failed(why);
                publish(jobId, name, "failed", 1.0, why);
                if (wait) {
                  message.fail(badInput ? 400 : 500, why);
                }
              }
              jobs.finished(job);
            });
  }

  /**
   * Refuses, before the upload is accepted, a file whose first bytes already show that the analysis
   * would refuse it: empty, binary, or no comma-separated header with a timestamp and another column.
   */
  static void checkUpload(Path upload, String name) throws InputDataException, IOException {
    try (MetricsCsv csv = MetricsCsv.open(upload, name)) {
      if (csv.header().size() < 2) {
        throw InputDataException.at(
            name,
            1,
            null,
            "header has no column besides 'timestamp'; expected at least one metric column");
      }
    }
  }

  /** {@code {job_id}} → the job's state ({@link UploadJob#toJson}); 404 when unknown or forgotten. */
  void job(Message<JsonObject> message) {
    String id = message.body().getString("job_id", "");
    UploadJob job = jobs.get(id);
    if (job == null) {
      message.fail(
          404,
          "no upload job '"
              + MetricsCsv.shorten(id)
              + "' (only the newest "
              + UploadJobs.KEPT_FINISHED
              + " finished jobs are kept)");
      return;
    }
    message.reply(job.toJson());
  }

  private void publish(String jobId, String name, String phase, double progress, String error) {
    vertx
        .eventBus()
        .publish(
            Addresses.DASHBOARD_ANALYSIS,
            new AnalysisProgress(jobId, name, phase, progress, null, error).toJson(),
            Addresses.local());
  }

  void history(Message<JsonObject> message) {
    int limit = Math.max(1, Math.min(500, message.body().getInteger("limit", 50)));
    try (AnalysisHistory h = history()) {
      JsonArray out = new JsonArray();
      h.analyses(limit).forEach(row -> out.add(analysisJson(row)));
      message.reply(new JsonObject().put("analyses", out));
    } catch (SQLException e) {
      LOG.error("Cannot read the analysis history: {}", e.toString());
      message.fail(500, "cannot read the analysis history");
    }
  }

  void details(Message<JsonObject> message) {
    Long wanted = message.body().getLong("id");
    try (AnalysisHistory h = history()) {
      Map<String, Object> row;
      if (wanted == null) {
        List<Map<String, Object>> latest = h.analyses(1);
        row = latest.isEmpty() ? null : latest.get(0);
      } else {
        row = h.analysis(wanted);
      }
      if (row == null) {
        message.fail(404, wanted == null ? "no analysis yet" : "no analysis #" + wanted);
        return;
      }
      long id = ((Number) row.get("id")).longValue();
      JsonArray anomalies = new JsonArray();
      for (Map<String, Object> flagged : h.flaggedRows(id, DETAIL_ROWS)) {
        JsonObject a = new JsonObject(flagged);
        a.put("severity_factors", new JsonArray((String) flagged.get("severity_factors")));
        a.put("contributions", new JsonObject((String) flagged.get("contributions")));
        anomalies.add(a);
      }
      JsonObject chart =
          new JsonObject().put("columns", new JsonArray()).put("points", new JsonArray());
      Path chartFile = files.chartJson(id);
      if (Files.exists(chartFile)) {
        chart = new JsonObject(Files.readString(chartFile, StandardCharsets.UTF_8));
      }
      message.reply(
          new JsonObject()
              .put("analysis", analysisJson(row))
              .put("anomalies", anomalies)
              .put("chart", chart)
              .put("results_available", Files.exists(files.resultsCsv(id))));
    } catch (SQLException | IOException | RuntimeException e) {
      LOG.error("Cannot read analysis {}: {}", wanted, e.toString());
      message.fail(500, "cannot read the analysis");
    }
  }

  void results(Message<JsonObject> message) {
    long id = message.body().getLong("id");
    boolean json = "json".equals(message.body().getString("format"));
    Path csv = files.resultsCsv(id);
    boolean kept = Files.exists(csv);
    String name;
    try (AnalysisHistory h = history()) {
      Map<String, Object> row = h.analysis(id);
      if (row == null) {
        message.fail(404, "no analysis #" + id);
        return;
      }
      name = String.valueOf(row.get("file_name"));
    } catch (SQLException e) {
      LOG.warn("Cannot read analysis {} from the history: {}", id, e.toString());
      if (!kept) {
        message.fail(500, "cannot read the analysis history");
        return;
      }
      name = "analysis-" + id;
    }
    if (!kept) {
      message.fail(
          404,
          "the results of analysis #"
              + id
              + " are no longer kept (only the newest "
              + AnalysisFiles.KEEP
              + " are)");
      return;
    }
    try {
      Path path = csv;
      if (json) {
        try (AnalysisHistory h = history()) {
          path = ResultsJson.ensure(csv, files.resultsJson(id), h, id);
        }
      }
      message.reply(
          new JsonObject().put("path", path.toAbsolutePath().toString()).put("file_name", name));
    } catch (IOException | SQLException | RuntimeException e) {
      LOG.error("Cannot prepare results of analysis {}: {}", id, e.toString());
      message.fail(500, "cannot prepare the results file");
    }
  }

  static JsonObject analysisJson(Map<String, Object> row) {
    JsonObject a = new JsonObject(row);
    a.put("severity_counts", new JsonObject((String) row.get("severity_counts")));
    a.put("features", new JsonArray((String) row.get("features")));
    a.put("settings", new JsonObject((String) row.get("settings")));
    return a;
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warn("Could not delete upload {}: {}", p, e.toString());
    }
  }

  void close() {
    Process child = running;
    if (child != null) {
      child.destroyForcibly();
    }
    pool.close();
  }
}
