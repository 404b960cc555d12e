package dev.mad.bus;

import io.vertx.core.json.JsonObject;

/**
 * The detector's state, as detect answers {@link Addresses#DETECT_STATUS} and publishes it on
 * {@link Addresses#DASHBOARD_STATUS}.
 *
 * @param status           {@code learning} before the first model, then {@code active}
 * @param dataPoints       samples seen since start
 * @param baselineProgress 0..1 share of the baseline collected (1 once trained)
 * @param incidents        incidents opened since start
 * @param incidentOpen     whether one is open now
 * @param trainingSamples  samples the model learned from (null while learning)
 * @param modelTrainedAt   ISO time of the model (null while learning)
 * @param modelAgeSeconds  its age (null while learning)
 * @param threshold        the forest's score threshold (null while learning)
 * @param lastScore        the last sample's score (null before any)
 * @param samplesLost      a fleet host's samples its agent had to drop (its buffer overflowed)
 * @param modelSource      {@code restored} (read from disk at start) or {@code trained} (learned
 *                         since), null while learning
 */
public record DetectorStatus(
    String status,
    long dataPoints,
    double baselineProgress,
    long baselineSeconds,
    long incidents,
    boolean incidentOpen,
    String host,
    Integer trainingSamples,
    String modelTrainedAt,
    Long modelAgeSeconds,
    Double threshold,
    Double lastScore,
    long samplesLost,
    String modelSource) {
  public static final String LEARNING = "learning";
  public static final String ACTIVE = "active";

  public boolean trained() {
    return ACTIVE.equals(status);
  }

  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("status", status)
            .put("is_trained", trained())
            .put("data_points", dataPoints)
            .put("baseline_progress", baselineProgress)
            .put("baseline_seconds", baselineSeconds)
            .put("incidents", incidents)
            .put("incident_open", incidentOpen)
            .put("host", host);
    putIfSet(json, "training_samples", trainingSamples);
    putIfSet(json, "model_trained_at", modelTrainedAt);
    putIfSet(json, "model_age_seconds", modelAgeSeconds);
    putIfSet(json, "threshold", threshold);
    putIfSet(json, "last_score", lastScore);
    putIfSet(json, "model_source", modelSource);
    return json.put("samples_lost", samplesLost);
  }

  public static DetectorStatus fromJson(JsonObject json) {
    return new DetectorStatus(
        json.getString("status"),
        json.getLong("data_points"),
        json.getDouble("baseline_progress"),
        json.getLong("baseline_seconds"),
        json.getLong("incidents"),
        json.getBoolean("incident_open"),
        json.getString("host"),
        json.getInteger("training_samples"),
        json.getString("model_trained_at"),
        json.getLong("model_age_seconds"),
        json.getDouble("threshold"),
        json.getDouble("last_score"),
        json.getLong("samples_lost", 0L),
        json.getString("model_source"));
  }

  private static void putIfSet(JsonObject json, String key, Object value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
