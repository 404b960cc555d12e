package dev.mad.analysis;

import dev.mad.bus.Addresses;
import dev.mad.config.ConfigSchema;
import dev.mad.files.LogsDir;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analyses feature on the bus: runs uploaded files through the batch engine, keeps their jobs'
 * state and answers the dashboard's questions about past analyses ({@link AnalysisService}). Owns
 * {@code anomaly_history.db}, the per-analysis result files and the upload jobs. Deployed as a
 * worker verticle; the analyses themselves run on a pool of their own.
 *
 * <p>Config: the {@code analysis} section, {@code logs_dir} and {@code detect} (the server's detect
 * section, the settings uploads are analysed with).
 */
public class AnalysisVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AnalysisVerticle.class);
  private AnalysisService analyses;

  @Override
  public Future<?> start() {
    JsonObject c = ConfigSchema.section("analysis", config());
    Path logsDir = Path.of(ConfigSchema.logsDir(c));
    JsonObject detect = ConfigSchema.section("detect", c.getJsonObject("detect", new JsonObject()));
    // MAD_ANALYSIS_FORK=0 analyses uploads in this JVM (to debug one); otherwise each runs in a
    // JVM of its own with analysis.memory_mb of heap
    int memoryMb = "0".equals(System.getenv("MAD_ANALYSIS_FORK")) ? 0 : c.getInteger("memory_mb");
    analyses = new AnalysisService(vertx, logsDir, detect, c.getInteger("keep_analyses"), memoryMb);
    // opened once at start, so that a file SQLite cannot read is set aside and reported now, not
    // at the first upload
    try (AnalysisHistory h = AnalysisHistory.open(logsDir.resolve(LogsDir.HISTORY_DB))) {
      LOG.debug("Analysis history {} opened", logsDir.resolve(LogsDir.HISTORY_DB));
    } catch (SQLException e) {
      LOG.error("Cannot open the analysis history: {}", e.getMessage());
    }
    // registered at 0, so that /metrics shows the series before the first upload
    Metrics.counter(BatchRunner.ROWS_ANALYSED, "source", "upload");
    var bus = vertx.eventBus();
    return Future.all(
        List.of(
            bus.<JsonObject>localConsumer(Addresses.ANALYSIS_RUN, analyses::run).completion(),
            bus.<JsonObject>localConsumer(Addresses.ANALYSIS_JOB, analyses::job).completion(),
            bus.<JsonObject>localConsumer(Addresses.ANALYSIS_HISTORY, analyses::history)
                .completion(),
            bus.<JsonObject>localConsumer(Addresses.ANALYSIS_DETAILS, analyses::details)
                .completion(),
            bus.<JsonObject>localConsumer(Addresses.ANALYSIS_RESULTS, analyses::results)
                .completion(),
            bus.<JsonObject>localConsumer(
                    Addresses.health("analysis"),
                    m -> {
                      JsonObject health = new JsonObject().put("deployment_id", deploymentID());
                      if (AnalysisHistory.setAside() != null) {
                        health.put("history_set_aside", AnalysisHistory.setAside());
                      }
                      m.reply(health);
                    })
                .completion()));
  }

  @Override
  public Future<?> stop() {
    analyses.close();
    return Future.succeededFuture();
  }
}
