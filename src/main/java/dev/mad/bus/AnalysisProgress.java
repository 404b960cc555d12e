package dev.mad.bus;

import io.vertx.core.json.JsonObject;

/**
 * How an uploaded file's analysis is going, as the analysis verticle publishes it on
 * {@link Addresses#DASHBOARD_ANALYSIS}.
 *
 * @param phase      {@code uploaded}, {@code running}, {@code done} or {@code failed}
 * @param progress   0..1
 * @param analysisId the history's id once done, else null
 * @param error      why it failed, else null
 */
public record AnalysisProgress(
    String jobId, String fileName, String phase, double progress, Long analysisId, String error) {
  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("job_id", jobId)
            .put("file_name", fileName)
            .put("phase", phase)
            .put("progress", Math.round(progress * 1000) / 1000.0);
    if (analysisId != null) {
      json.put("analysis_id", analysisId);
    }
    if (error != null) {
      json.put("error", error);
    }
    return json;
  }

  public static AnalysisProgress fromJson(JsonObject json) {
    return new AnalysisProgress(
        json.getString("job_id"),
        json.getString("file_name"),
        json.getString("phase"),
        json.getDouble("progress"),
        json.getLong("analysis_id"),
        json.getString("error"));
  }
}
