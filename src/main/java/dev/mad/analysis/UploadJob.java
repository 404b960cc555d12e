package dev.mad.analysis;

import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * One uploaded file's analysis as {@code GET /api/jobs/:id} reports it: its state, its progress and,
 * once finished, its analysis or its error. The analysis pool sets state and progress while it runs;
 * the rest is set and read on the analysis verticle's context.
 */
final class UploadJob {
  enum State {
    QUEUED,
    RUNNING,
    DONE,
    FAILED;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final String id;
  private final String fileName;
  private volatile State state = State.QUEUED;
  private volatile double progress;
  private String error;
  private long analysisId;
  private long rows;
  private long anomalies;
  private double anomalyRate;

  UploadJob(String id, String fileName) {
    this.id = id;
    this.fileName = fileName;
  }

  String id() {
    return id;
  }

  State state() {
    return state;
  }

  void running() {
    state = State.RUNNING;
  }

  void progress(double fraction) {
    progress = fraction;
  }

  void done(long analysisId, long rows, long anomalies, double anomalyRate) {
    this.analysisId = analysisId;
    this.rows = rows;
    this.anomalies = anomalies;
    this.anomalyRate = anomalyRate;
    progress = 1.0;
    state = State.DONE;
  }

  void failed(String error) {
    this.error = error;
    progress = 1.0;
    state = State.FAILED;
  }

  boolean finished() {
    State s = state;
    return s == State.DONE || s == State.FAILED;
  }

  /** {@code {job_id, file_name, state, progress}}, with the analysis' totals when done or the error when failed. */
  JsonObject toJson() {
    State s = state;
    JsonObject json =
        new JsonObject()
            .put("job_id", id)
            .put("file_name", fileName)
            .put("state", s.label())
            .put("progress", Math.round(progress * 1000) / 1000.0);
    if (s == State.DONE) {
      json.put("analysis_id", analysisId)
          .put("total_records", rows)
          .put("anomalies_found", anomalies)
          .put("anomaly_rate", anomalyRate);
    } else if (s == State.FAILED) {
      json.put("error", error);
    }
    return json;
  }
}
