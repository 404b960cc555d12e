package dev.mad;

import dev.mad.analysis.AnalysisVerticle;
import dev.mad.bus.Addresses;
import dev.mad.collect.CollectVerticle;
import dev.mad.config.ConfigException;
import dev.mad.config.ConfigSchema;
import dev.mad.detect.DetectVerticle;
import dev.mad.files.IoFailure;
import dev.mad.fleet.FleetAgentVerticle;
import dev.mad.fleet.FleetHubVerticle;
import dev.mad.fleet.SimulatorVerticle;
import dev.mad.notify.NotifyVerticle;
import dev.mad.persist.PersistVerticle;
import dev.mad.web.WebVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys the feature verticles of the configured {@code cluster.mode}, consumers before producers so
 * that no early sample is lost: standalone (persist, notify, analysis, detect, collect, web), hub (the same,
 * collect only if {@code hub.collect_local}, then the fleet receiver) or agent (the fleet sender, then
 * collect or the simulator). Each child receives only its own config section, plus the
 * shared keys it needs.
 */
public class MainVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);
  private static final long SUPERVISE_MS = 10_000;

  /** Config key a verticle finds set when the supervisor redeploys it in a running process. */
  public static final String REDEPLOYED = "redeployed";

  private final long superviseMs;
  private final List<Child> children = new ArrayList<>();

  public MainVerticle() {
    this(SUPERVISE_MS);
  }

  /** @param superviseMs how often the feature verticles' health is checked (tests use less) */
  public MainVerticle(long superviseMs) {
    this.superviseMs = superviseMs;
  }

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

    JsonObject persist = config.getJsonObject("persist").copy().put(ConfigSchema.LOGS_DIR, logsDir);
    // Uploaded files are analysed with the detector's settings.
    JsonObject analysis =
        config
            .getJsonObject("analysis")
            .copy()
            .put(ConfigSchema.LOGS_DIR, logsDir)
            .put("detect", config.getJsonObject("detect").copy());
    JsonObject detect =
        config
            .getJsonObject("detect")
            .copy()
            .put("interval_ms", config.getJsonObject("collect").getInteger("interval_ms"))
            .put(ConfigSchema.LOGS_DIR, logsDir);
    JsonObject collect =
        config.getJsonObject("collect").copy().put(ConfigSchema.HOST_NAME, hostName);
    JsonObject web =
        config
            .getJsonObject("http")
            .copy()
            .put(ConfigSchema.LOGS_DIR, logsDir)
            .put(
                "dashboard",
                new JsonObject()
                    .put(
                        "baseline_seconds",
                        config.getJsonObject("detect").getInteger("baseline_seconds"))
                    .put(
                        "zscore_threshold",
                        config.getJsonObject("detect").getDouble("zscore_threshold"))
                    .put("contamination", config.getJsonObject("detect").getDouble("contamination"))
                    .put(
                        "critical_below",
                        config
                            .getJsonObject("detect")
                            .getJsonObject("severity")
                            .getDouble("critical_below"))
                    .put(
                        "high_below",
                        config
                            .getJsonObject("detect")
                            .getJsonObject("severity")
                            .getDouble("high_below")));

    JsonObject http = config.getJsonObject("http");
    String bind = http.getString("host");
    JsonObject notify =
        config
            .getJsonObject("notify")
            .copy()
            .put(ConfigSchema.LOGS_DIR, logsDir)
            .put(
                "default_dashboard_url",
                "http://"
                    + (bind.contains(":") && !bind.startsWith("[") ? "[" + bind + "]" : bind)
                    + ":"
                    + http.getInteger("port")
                    + "/");

    String mode = config.getJsonObject("cluster").getString("mode");
    JsonObject hub = config.getJsonObject("hub");
    JsonObject agent =
        config
            .getJsonObject("agent")
            .copy()
            .put("interval_ms", config.getJsonObject("collect").getInteger("interval_ms"));
    int maxStreams = 2 * hub.getInteger("max_hosts");
    detect.put("max_hosts", hub.getInteger("max_hosts"));
    persist.put("max_streams", maxStreams);
    web.put("mode", mode).put("max_hosts", hub.getInteger("max_hosts"));
    if (mode.equals("agent")) {
      // collect only: this host's samples (or the simulator's), sent to the hub
      int simulated = agent.getInteger("simulate_hosts");
      agent.put("max_streams", Math.max(1, simulated));
      children.add(
          new Child("agent", FleetAgentVerticle::new, new DeploymentOptions().setConfig(agent)));
      if (simulated > 0) {
        children.add(
            new Child(
                "simulator", SimulatorVerticle::new, new DeploymentOptions().setConfig(agent)));
      } else {
        children.add(new Child("collect", CollectVerticle::new, worker(collect)));
      }
    } else {
      children.add(new Child("persist", PersistVerticle::new, worker(persist)));
      children.add(new Child("notify", NotifyVerticle::new, worker(notify)));
      children.add(new Child("analysis", AnalysisVerticle::new, worker(analysis)));
      if (mode.equals("hub")) {
        detect.put("stale_seconds", hub.getInteger("stale_seconds"));
      }
      children.add(
          new Child("detect", DetectVerticle::new, new DeploymentOptions().setConfig(detect)));
      if (mode.equals("standalone") || hub.getBoolean("collect_local")) {
        children.add(new Child("collect", CollectVerticle::new, worker(collect)));
      }
      children.add(new Child("web", WebVerticle::new, new DeploymentOptions().setConfig(web)));
      if (mode.equals("hub")) {
        children.add(
            new Child(
                "fleet",
                FleetHubVerticle::new,
                new DeploymentOptions()
                    .setConfig(new JsonObject().put("max_streams", maxStreams))));
      }
    }

    JsonArray checks = new JsonArray();
    children.stream().map(c -> c.name).filter(n -> !n.equals("web")).forEach(checks::add);
    web.put("checks", checks);

    Future<?> chain = Future.succeededFuture();
    for (Child child : children) {
      chain = chain.compose(x -> child.deploy(vertx));
    }
    return chain
        .onSuccess(
            x -> {
              LOG.info(
                  "Metrics Anomaly Detector started ({}); files in {}",
                  config.getJsonObject("cluster").getString("mode"),
                  logsDir);
              vertx.setPeriodic(superviseMs, id -> supervise());
            })
        .onFailure(e -> LOG.error("Start failed: {}", IoFailure.describe(e)));
  }

  /**
   * Asks each verticle whether it is well; one that has vanished or has not answered three times
   * in a row is undeployed and deployed again, so the process keeps serving.
   */
  private void supervise() {
    for (Child child : children) {
      if (child.restarting) {
        continue;
      }
      boolean gone = !vertx.deploymentIDs().contains(child.deploymentId);
      vertx
          .eventBus()
          .request(
              Addresses.health(child.name),
              new JsonObject(),
              Addresses.local().setSendTimeout(Math.max(1000, superviseMs / 2)))
          .onSuccess(reply -> child.failures = 0)
          .onFailure(
              e -> {
                if (++child.failures >= 3 || gone) {
                  restart(
                      child,
                      gone
                          ? "its deployment is gone"
                          : "it did not answer 3 health checks: " + e.getMessage());
                }
              });
    }
  }

  private void restart(Child child, String why) {
    LOG.error("Verticle {} is unwell ({}); redeploying it", child.name, why);
    child.restarting = true;
    vertx
        .undeploy(child.deploymentId)
        .recover(e -> Future.succeededFuture())
        .compose(x -> child.deploy(vertx))
        .onComplete(
            ar -> {
              child.restarting = false;
              child.failures = 0;
              if (ar.succeeded()) {
                LOG.info("Verticle {} redeployed", child.name);
              } else {
                LOG.error(
                    "Redeploying verticle {} failed: {}", child.name, ar.cause().getMessage());
              }
            });
  }

  @Override
  public Future<?> stop() {
    // runs once the feature verticles are undeployed (Vert.x stops children first); each said what
    // it closed
    LOG.info("Metrics Anomaly Detector stopped");
    return Future.succeededFuture();
  }

  /** One supervised feature verticle. */
  private static final class Child {
    final String name;
    final Supplier<Deployable> factory;
    final DeploymentOptions options;
    String deploymentId = "";
    int failures;
    boolean restarting;

    Child(String name, Supplier<Deployable> factory, DeploymentOptions options) {
      this.name = name;
      this.factory = factory;
      this.options = options;
    }

    Future<String> deploy(Vertx vertx) {
      DeploymentOptions o = new DeploymentOptions(options);
      if (deploymentId != null && !deploymentId.isEmpty()) {
        // a redeployment: the rest of the process kept running (persist must not close open
        // incidents)
        o.setConfig(o.getConfig().copy().put(REDEPLOYED, true));
      }
      return vertx.deployVerticle(factory.get(), o).onSuccess(id -> deploymentId = id);
    }
  }

  private static DeploymentOptions worker(JsonObject config) {
    // OSHI reads and blocking file/JDBC writes must never run on an event loop.
    return new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setConfig(config);
  }
}
