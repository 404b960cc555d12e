package dev.mad.detect;

import dev.mad.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Owns the detection state. For now it counts the samples of the baseline and passes every
 * sample through unscored; the model arrives with the detection engine.
 */
public class DetectVerticle extends VerticleBase {
  private long dataPoints;
  private long firstSampleMs = -1;
  private int baselineSeconds;

  @Override
  public Future<?> start() {
    baselineSeconds = config().getInteger("baseline_seconds", 60);
    var samples = vertx.eventBus().<JsonObject>consumer(Addresses.METRICS_SAMPLE, this::onSample);
    var status = vertx.eventBus().<JsonObject>consumer(Addresses.DETECT_STATUS, this::onStatus);
    return Future.all(samples.completion(), status.completion());
  }

  private void onSample(Message<JsonObject> message) {
    JsonObject sample = message.body();
    if (firstSampleMs < 0) {
      firstSampleMs = sample.getLong("timestamp");
    }
    dataPoints++;
    JsonObject scored = sample.copy().put("is_anomaly", false);
    vertx.eventBus().publish(Addresses.METRICS_SCORED, scored);
  }

  private void onStatus(Message<JsonObject> message) {
    message.reply(status());
  }

  private JsonObject status() {
    double progress = firstSampleMs < 0 ? 0.0
        : Math.min(1.0, (System.currentTimeMillis() - firstSampleMs) / (baselineSeconds * 1000.0));
    return new JsonObject()
        .put("status", "learning")
        .put("is_trained", false)
        .put("data_points", dataPoints)
        .put("baseline_progress", progress);
  }
}
