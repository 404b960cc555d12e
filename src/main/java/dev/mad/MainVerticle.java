package dev.mad;

import dev.mad.collect.CollectVerticle;
import dev.mad.config.ConfigException;
import dev.mad.config.ConfigSchema;
import dev.mad.detect.DetectVerticle;
import dev.mad.persist.PersistVerticle;
import dev.mad.web.WebVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys the four feature verticles, consumers before producers (persist, detect, collect, web),
 * so that no early sample is lost. Each child receives only its own config section, plus the
 * shared keys it needs.
 */
public class MainVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);

  @Override
  public Future<?> start() {
    JsonObject config;
    try {
      // Tests and embedders may deploy this verticle directly; validate here as well as in Main.
      config = ConfigSchema.resolve(config(), Map.of(), Map.of());
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    String logsDir = config.getString(ConfigSchema.LOGS_DIR);
    String hostName = config.getString(ConfigSchema.HOST_NAME);

    // Persist also runs uploaded files' analyses, with the detector's settings.
    JsonObject persist = config.getJsonObject("persist").copy().put(ConfigSchema.LOGS_DIR, logsDir)
        .put("analysis", config.getJsonObject("detect").copy());
    JsonObject detect = config.getJsonObject("detect").copy()
        .put("interval_ms", config.getJsonObject("collect").getInteger("interval_ms"));
    JsonObject collect = config.getJsonObject("collect").copy().put(ConfigSchema.HOST_NAME, hostName);
    JsonObject web = config.getJsonObject("http").copy().put(ConfigSchema.LOGS_DIR, logsDir)
        .put("dashboard", new JsonObject()
            .put("baseline_seconds", config.getJsonObject("detect").getInteger("baseline_seconds"))
            .put("zscore_threshold", config.getJsonObject("detect").getDouble("zscore_threshold"))
            .put("contamination", config.getJsonObject("detect").getDouble("contamination"))
            .put("critical_below", config.getJsonObject("detect").getJsonObject("severity").getDouble("critical_below"))
            .put("high_below", config.getJsonObject("detect").getJsonObject("severity").getDouble("high_below")));

    return vertx.deployVerticle(new PersistVerticle(), worker(persist))
        .compose(id -> vertx.deployVerticle(new DetectVerticle(), new DeploymentOptions().setConfig(detect)))
        .compose(id -> vertx.deployVerticle(new CollectVerticle(), worker(collect)))
        .compose(id -> vertx.deployVerticle(new WebVerticle(), new DeploymentOptions().setConfig(web)))
        .onSuccess(id -> LOG.info("Metrics Anomaly Detector started; files in {}", logsDir))
        .onFailure(e -> LOG.error("Start failed: {}", e.getMessage()));
  }

  private static DeploymentOptions worker(JsonObject config) {
    // OSHI reads and blocking file/JDBC writes must never run on an event loop.
    return new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setConfig(config);
  }
}
