package dev.mad.web;

import dev.mad.bus.Addresses;
import dev.mad.bus.IncidentChange;
import dev.mad.config.ConfigSchema;
import dev.mad.files.IoFailure;
import dev.mad.files.LogsDir;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.templ.handlebars.HandlebarsTemplateEngine;
import io.vertx.micrometer.backends.BackendRegistries;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the dashboard page, the JSON API, the static assets and the SockJS bridge. Keeps the
 * last {@code chart_points} scored samples for the charts; everything else it asks the other
 * verticles for over the bus.
 */
public class WebVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WebVerticle.class);
  static final String VERSION =
      WebVerticle.class.getPackage().getImplementationVersion() == null
          ? "dev"
          : WebVerticle.class.getPackage().getImplementationVersion();
  private static final long MIB = 1024L * 1024L;
  private static final long SOCKJS_BODY_BYTES = 64 * 1024;
  private static final String UPLOAD_PATH = "/api/upload-csv";

  /** How long {@code ?wait=true} waits for an analysis; past it the answer is 504 and the job goes on. */
  private static final long WAIT_FOR_ANALYSIS_MS = 30 * 60 * 1000L;

  private final long startedMs = System.currentTimeMillis();
  private HostCharts charts;
  private int chartPoints;
  private HandlebarsTemplateEngine templates;
  private HttpServer server;

  /** The {@code http} config section, resolved against the schema. */
  private JsonObject http;

  private HealthChecks healthChecks;

  @Override
  public Future<?> start() {
    http = ConfigSchema.section("http", config());
    chartPoints = http.getInteger("chart_points");
    charts =
        new HostCharts(
            chartPoints,
            http.getInteger(
                "max_hosts", (Integer) ConfigSchema.setting("hub.max_hosts").defaultValue()));
    templates = HandlebarsTemplateEngine.create(vertx);
    long maxUploadBytes = http.getInteger("max_upload_mb") * MIB;
    String uploads = Path.of(ConfigSchema.logsDir(http), LogsDir.UPLOADS_DIR).toString();

    TokenAuth auth = new TokenAuth(http.getString("auth_token"));
    Router router = Router.router(vertx);
    // Other sites first: a foreign Host or Origin never reaches a handler.
    router
        .route()
        .handler(
            new SameOrigin(
                http.getString("host"),
                !http.getString("auth_token").isEmpty(),
                http.getString("allowed_hosts")));
    // Authentication first: every API route, download and the bridge; the page, assets and /health
    // stay open.
    router.route("/api/*").handler(auth::check);
    router.route("/eventbus/*").handler(auth::check);
    router.route("/metrics").handler(auth::check);
    router
        .post("/login")
        .handler(BodyHandler.create(false).setBodyLimit(4096))
        .handler(auth::login);
    getOrHead(router, "/health").handler(this::health);
    getOrHead(router, "/metrics").handler(this::metrics);
    getOrHead(router, "/").handler(this::dashboard);
    getOrHead(router, "/api/status").handler(this::status);
    getOrHead(router, "/api/hosts").handler(this::hosts);
    getOrHead(router, "/api/metrics").handler(this::latestMetrics);
    getOrHead(router, "/api/chart-data").handler(this::chartData);
    getOrHead(router, "/api/anomalies").handler(this::anomalies);
    getOrHead(router, "/api/incidents").handler(this::incidents);
    IncidentRoutes.mount(vertx, router);
    getOrHead(router, "/api/csv-data").handler(ctx -> details(ctx, null));
    getOrHead(router, "/api/csv-anomalies").handler(this::csvAnomalies);
    getOrHead(router, "/api/analysis-history").handler(this::history);
    getOrHead(router, "/api/analysis-details/:id")
        .handler(ctx -> withId(ctx, id -> details(ctx, id)));
    getOrHead(router, "/api/analyses/:id/results.csv")
        .handler(ctx -> withId(ctx, id -> download(ctx, id, "csv")));
    getOrHead(router, "/api/analyses/:id/results.json")
        .handler(ctx -> withId(ctx, id -> download(ctx, id, "json")));
    getOrHead(router, "/api/jobs/:id").handler(this::job);
    // Uploads stream to disk; a body over the limit is refused with 413 before it is stored, one
    // that does not fit on the disk with 507 (UploadGuard).
    router
        .post(UPLOAD_PATH)
        .handler(
            new UploadGuard(
                vertx,
                ConfigSchema.logsDir(http),
                maxUploadBytes,
                http.getInteger("min_free_mb") * MIB))
        .handler(
            BodyHandler.create(uploads)
                .setBodyLimit(maxUploadBytes)
                .setDeleteUploadedFilesOnEnd(true))
        .handler(this::upload);
    router.route("/static/*").handler(StaticHandler.create("webroot"));
    router.route("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
    // SockJS's fallback transports (xhr, xhr_streaming, jsonp) send their frames in POST bodies,
    // which
    // the SockJS handler reads only from a BodyHandler on the route; the bridge lets nothing in, so
    // frames are small.
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(SOCKJS_BODY_BYTES));
    router.route("/eventbus/*").subRouter(bridge());
    // A known path asked with another method: 405 naming the ones it has (OPTIONS: 204 with them).
    router.route().last().handler(ctx -> wrongMethod(router, ctx));
    router.route("/api/*").last().handler(ctx -> ctx.fail(404));
    router.route().last().handler(ctx -> ctx.fail(404));
    router.route().failureHandler(this::failure);

    var bus = vertx.eventBus();
    bus.<JsonObject>localConsumer(
        Addresses.METRICS_SCORED,
        m -> {
          if (charts.add(m.body())) {
            bus.publish(Addresses.DASHBOARD_METRICS, m.body(), Addresses.local());
          }
          // a fleet host's page listens to its own address only
          bus.publish(
              Addresses.dashboardHost(m.body().getString("host", "")), m.body(), Addresses.local());
        });
    bus.<JsonObject>localConsumer(
        Addresses.INCIDENT,
        m -> bus.publish(Addresses.DASHBOARD_ANOMALY, m.body(), Addresses.local()));
    bus.<JsonObject>localConsumer(
        Addresses.INCIDENT_WORKED,
        m -> bus.publish(Addresses.DASHBOARD_WORKED, m.body(), Addresses.local()));

    healthChecks = HealthChecks.create(vertx);
    // the verticles the wiring deployed (a hub without local collection has no collect; a hub has
    // the fleet receiver)
    List<String> checked = new ArrayList<>();
    if (http.getValue("checks") instanceof JsonArray names) {
      names.forEach(n -> checked.add((String) n));
    } else {
      checked.addAll(List.of("persist", "analysis", "detect", "collect"));
    }
    for (String verticle : checked) {
      healthChecks.register(
          verticle,
          2000,
          promise ->
              vertx
                  .eventBus()
                  .<JsonObject>request(
                      Addresses.health(verticle),
                      new JsonObject(),
                      Addresses.local().setSendTimeout(1500))
                  // a verticle that answers but names a problem (persist on a full disk) is DOWN
                  .onSuccess(
                      reply ->
                          promise.complete(
                              reply.body().containsKey("problem")
                                  ? Status.KO(reply.body())
                                  : Status.OK(reply.body())))
                  .onFailure(
                      e ->
                          promise.complete(
                              Status.KO(new JsonObject().put("error", e.getMessage())))));
    }
    healthChecks.register("web", promise -> promise.complete(Status.OK()));
    vertx
        .eventBus()
        .<JsonObject>localConsumer(
            Addresses.health("web"),
            m -> m.reply(new JsonObject().put("deployment_id", deploymentID())));

    String host = http.getString("host");
    int port = http.getInteger("port");
    HeadDeadline deadline = new HeadDeadline(vertx);
    return vertx
        // Idle connections (a client that stopped sending) are closed after http.idle_seconds,
        // and one that has not sent a whole request head (slowloris) after HeadDeadline.SECONDS.
        .createHttpServer(
            new HttpServerOptions()
                .setIdleTimeout(http.getInteger("idle_seconds"))
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                // no browser speaks h2c; off, Vert.x announces connections as they open
                .setHttp2ClearTextEnabled(false))
        .connectionHandler(deadline::connected)
        .requestHandler(
            request -> {
              deadline.requested(request);
              router.handle(request);
            })
        .listen(port, host)
        .onSuccess(
            s -> {
              server = s;
              LOG.info("Dashboard on http://{}:{}/", host, s.actualPort());
            })
        .recover(
            e ->
                Future.failedFuture(
                    new IllegalStateException(
                        "cannot listen on " + host + ":" + port + ": " + e.getMessage(), e)));
  }

  /** Outbound only, and only the dashboard's addresses; nothing the browser sends is let in. */
  private Router bridge() {
    SockJSBridgeOptions options =
        new SockJSBridgeOptions()
            // Browsers ping every 5 s; a busy host or a throttled background tab may delay that, so
            // only drop a client after 30 s of silence (it reconnects anyway).
            .setPingTimeout(30_000)
            .addOutboundPermitted(
                new PermittedOptions()
                    .setAddressRegex(Pattern.quote(Addresses.DASHBOARD_PREFIX) + ".+"));
    // SockJS's iframe transports load the client library from a CDN by default; serve ours.
    SockJSHandlerOptions sockJs = new SockJSHandlerOptions().setLibraryURL(WebJars.SOCKJS_URL);
    return SockJSHandler.create(vertx, sockJs).bridge(options);
  }

  /** The port actually bound; differs from the configured one when that is 0. */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  /** A GET route that answers HEAD as well (Vert.x sends the headers of the GET answer, no body). */
  private static Route getOrHead(Router router, String path) {
    return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
  }

  /**
   * After every route: a request whose path some route serves, with a method none of them takes,
   * gets 405 and {@code Allow} (OPTIONS gets 204 and {@code Allow}); any other goes on to the 404.
   */
  private static void wrongMethod(Router router, RoutingContext ctx) {
    String path = ctx.request().path();
    Set<String> allowed = new TreeSet<>();
    for (Route r : router.getRoutes()) {
      String pattern = r.getPath();
      if (pattern == null || r.methods() == null) {
        continue;
      }
      String regex = Pattern.quote(pattern).replaceAll(":[A-Za-z]+", "\\\\E[^/]+\\\\Q");
      if (pattern.endsWith("*")) {
        regex = Pattern.quote(pattern.substring(0, pattern.length() - 1)) + ".*";
      }
      if (path.matches(regex)) {
        r.methods().forEach(m -> allowed.add(m.name()));
      }
    }
    if (allowed.isEmpty()) {
      ctx.next();
      return;
    }
    allowed.add(HttpMethod.OPTIONS.name());
    String allow = String.join(", ", allowed);
    if (ctx.request().method() == HttpMethod.OPTIONS) {
      ctx.response().setStatusCode(204).putHeader("Allow", allow).end();
    } else {
      ctx.response()
          .setStatusCode(405)
          .putHeader("Allow", allow)
          .putHeader("Content-Type", "application/json")
          .end(
              new JsonObject()
                  .put(
                      "error", ctx.request().method().name() + " is not allowed here; use " + allow)
                  .encode());
    }
  }

  private void dashboard(RoutingContext ctx) {
    JsonObject settings = http.getJsonObject("dashboard", new JsonObject());
    JsonObject model =
        settings
            .copy()
            .put("version", VERSION)
            .put("chart_points", chartPoints)
            .put("uplot_version", WebJars.UPLOT)
            .put("sockjs_url", WebJars.SOCKJS_URL)
            .put("max_upload_mb", http.getInteger("max_upload_mb"))
            .put("auth_required", !http.getString("auth_token").isEmpty())
            .put("host", charts.resolve(ctx.queryParams().get("host")))
            .put("mode", http.getValue("mode") instanceof String m ? m : "standalone");
    templates
        .render(model, "templates/index.hbs")
        .onSuccess(
            page ->
                ctx.response()
                    .putHeader("Content-Type", "text/html; charset=utf-8")
                    .putHeader("Cache-Control", "no-store")
                    .end(page))
        .onFailure(ctx::fail);
  }

  /** UP (200) or DOWN (503) per verticle, with the model's state from detect; open without a token. */
  private void health(RoutingContext ctx) {
    healthChecks
        .checkStatus()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
              }
              JsonObject body = ar.result().toJson();
              boolean up = ar.result().getUp();
              ctx.response()
                  .setStatusCode(up ? 200 : 503)
                  .putHeader("Content-Type", "application/json")
                  .putHeader("Cache-Control", "no-store")
                  .end(body.encode());
            });
  }

  /** Prometheus text: Vert.x, JVM and the product's own meters. */
  private void metrics(RoutingContext ctx) {
    PrometheusMeterRegistry registry = prometheus();
    if (registry == null) {
      error(ctx, 503, "metrics are not enabled in this process");
      return;
    }
    ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape());
  }

  private static PrometheusMeterRegistry prometheus() {
    if (BackendRegistries.getDefaultNow() instanceof PrometheusMeterRegistry p) {
      return p;
    }
    for (var r : Metrics.globalRegistry.getRegistries()) {
      if (r instanceof PrometheusMeterRegistry p) {
        return p;
      }
    }
    return null;
  }

  /**
   * The host {@code ?host=} names (or the primary one without it); answers 404 itself and returns
   * null for a host with no data here, or 400 for a host name that no host can have.
   */
  private String knownHost(RoutingContext ctx) {
    String asked = ctx.queryParams().get("host");
    if (asked != null && (asked.isEmpty() || asked.length() > 300)) {
      ctx.response()
          .setStatusCode(400)
          .putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "host must be 1 to 300 characters").encode());
      return null;
    }
    String host = charts.resolve(asked);
    if (asked != null && !charts.knows(host)) {
      ctx.response()
          .setStatusCode(404)
          .putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "no such host: " + asked).encode());
      return null;
    }
    return host;
  }

  private void hosts(RoutingContext ctx) {
    ask(ctx, Addresses.DETECT_HOSTS, new JsonObject());
  }

  private void status(RoutingContext ctx) {
    JsonObject request = new JsonObject();
    String asked = ctx.queryParams().get("host");
    if (asked != null) {
      request.put("host", asked);
    }
    vertx
        .eventBus()
        .<JsonObject>request(Addresses.DETECT_STATUS, request, Addresses.local())
        .onSuccess(reply -> ctx.json(reply.body().copy().put("uptime", uptimeSeconds())))
        .onFailure(
            e -> {
              boolean unknown = e instanceof ReplyException r && r.failureCode() == 404;
              JsonObject body =
                  unknown
                      ? new JsonObject().put("error", e.getMessage())
                      : new JsonObject()
                          .put("status", "error")
                          .put("error", "detector unavailable: " + e.getMessage())
                          .put("uptime", uptimeSeconds());
              ctx.response()
                  .setStatusCode(unknown ? 404 : 503)
                  .putHeader("Content-Type", "application/json")
                  .end(body.encode());
            });
  }

  private long uptimeSeconds() {
    return (System.currentTimeMillis() - startedMs) / 1000;
  }

  private void latestMetrics(RoutingContext ctx) {
    String host = knownHost(ctx);
    if (host != null) {
      ctx.json(charts.latest(host));
    }
  }

  private void chartData(RoutingContext ctx) {
    String host = knownHost(ctx);
    if (host != null) {
      ctx.json(new JsonObject().put("host", host).put("points", charts.points(host)));
    }
  }

  private void anomalies(RoutingContext ctx) {
    int limit = intParam(ctx, "limit", 15, 1, 1000);
    if (limit < 0) {
      return;
    }
    JsonObject request = new JsonObject().put("limit", limit);
    String host = ctx.queryParams().get("host");
    if (host != null) {
      request.put("host", host);
    }
    ask(ctx, Addresses.INCIDENTS_RECENT, request);
  }

  /**
   * The incident history from the database: {@code host}, {@code severity}, {@code state},
   * {@code from} and {@code to} (ISO-8601 instants or epoch ms, on the start) filter; {@code limit}
   * (1–500, default 50) and {@code offset} page.
   */
  private void incidents(RoutingContext ctx) {
    int limit = intParam(ctx, "limit", 50, 1, 500);
    if (limit < 0) {
      return;
    }
    int offset = intParam(ctx, "offset", 0, 0, 10_000_000);
    if (offset < 0) {
      return;
    }
    JsonObject request = new JsonObject().put("limit", limit).put("offset", offset);
    String host = ctx.queryParams().get("host");
    if (host != null) {
      if (host.isEmpty()) {
        error(ctx, 400, "query parameter 'host' must not be empty");
        return;
      }
      request.put("host", host);
    }
    if (!oneOf(ctx, request, "severity", IncidentChange.SEVERITIES)
        || !oneOf(ctx, request, "state", IncidentChange.STATES)) {
      return;
    }
    String falseAlarm = ctx.queryParams().get("false_alarm");
    if (falseAlarm != null) {
      if (!falseAlarm.equals("true") && !falseAlarm.equals("false")) {
        error(ctx, 400, "query parameter 'false_alarm' must be true or false");
        return;
      }
      request.put("false_alarm", Boolean.parseBoolean(falseAlarm));
    }
    for (String bound : List.of("from", "to")) {
      String raw = ctx.queryParams().get(bound);
      if (raw == null) {
        continue;
      }
      Long ms = instantMs(raw);
      if (ms == null) {
        error(
            ctx,
            400,
            "query parameter '"
                + bound
                + "' must be an ISO-8601 instant (2026-12-03T14:00:00Z) or epoch milliseconds");
        return;
      }
      request.put(bound + "_ms", ms);
    }
    ask(ctx, Addresses.INCIDENTS_QUERY, request);
  }

  private static boolean oneOf(
      RoutingContext ctx, JsonObject request, String name, List<String> allowed) {
    String raw = ctx.queryParams().get(name);
    if (raw == null) {
      return true;
    }
    if (!allowed.contains(raw)) {
      error(ctx, 400, "query parameter '" + name + "' must be one of " + allowed);
      return false;
    }
    request.put(name, raw);
    return true;
  }

  private static Long instantMs(String raw) {
    try {
      return raw.chars().allMatch(Character::isDigit) && raw.length() <= 15
          ? Long.valueOf(raw)
          : Instant.parse(raw).toEpochMilli();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private void history(RoutingContext ctx) {
    int limit = intParam(ctx, "limit", 50, 1, 500);
    if (limit < 0) {
      return;
    }
    ask(ctx, Addresses.ANALYSIS_HISTORY, new JsonObject().put("limit", limit));
  }

  private void details(RoutingContext ctx, Long id) {
    ask(ctx, Addresses.ANALYSIS_DETAILS, new JsonObject().put("id", id));
  }

  private void csvAnomalies(RoutingContext ctx) {
    vertx
        .eventBus()
        .<JsonObject>request(Addresses.ANALYSIS_DETAILS, new JsonObject(), Addresses.local())
        .onSuccess(
            reply ->
                ctx.json(
                    new JsonObject()
                        .put("analysis_id", reply.body().getJsonObject("analysis").getLong("id"))
                        .put("anomalies", reply.body().getJsonArray("anomalies"))))
        .onFailure(ctx::fail);
  }

  private void download(RoutingContext ctx, long id, String format) {
    vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.ANALYSIS_RESULTS,
            new JsonObject().put("id", id).put("format", format),
            Addresses.local())
        .onSuccess(
            reply -> {
              String base =
                  FileNames.sanitise(reply.body().getString("file_name"))
                      .replaceFirst("\\.csv$", "");
              String name = base + "-results." + format;
              ctx.response()
                  .putHeader(
                      "Content-Type",
                      format.equals("json") ? "application/json" : "text/csv; charset=utf-8")
                  .putHeader(
                      "Content-Disposition",
                      "attachment; filename=\""
                          + FileNames.ascii(name)
                          + "\"; filename*=UTF-8''"
                          + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
                  .sendFile(reply.body().getString("path"))
                  .onFailure(ctx::fail);
            })
        .onFailure(ctx::fail);
  }

  private void upload(RoutingContext ctx) {
    UploadGuard.handedOver(ctx);
    String waitParam = ctx.queryParams().get("wait");
    if (waitParam != null && !waitParam.equals("true") && !waitParam.equals("false")) {
      deleteUploads(ctx);
      error(ctx, 400, "query parameter 'wait' must be true or false");
      return;
    }
    boolean wait = waits(ctx);
    FileUpload file = null;
    for (FileUpload f : ctx.fileUploads()) {
      if ("file".equals(f.name()) && file == null) {
        file = f;
      } else {
        vertx.fileSystem().delete(f.uploadedFileName());
      }
    }
    if (file == null) {
      error(ctx, 400, "expected a multipart/form-data upload with the CSV in the field 'file'");
      return;
    }
    String name = FileNames.sanitise(file.fileName());
    String jobId = UUID.randomUUID().toString();
    // The upload becomes the job's file: whatever else the request left (an upload cut short, an
    // extra field) the body handler deletes when the request ends.
    String path = Path.of(file.uploadedFileName()).resolveSibling(jobId + ".csv").toString();
    vertx
        .fileSystem()
        .move(file.uploadedFileName(), path)
        .onSuccess(moved -> startJob(ctx, jobId, name, path, wait))
        .onFailure(
            e -> {
              LOG.error("Cannot keep the upload {}: {}", name, e.toString());
              error(ctx, 500, "cannot store the upload");
            });
  }

  private void startJob(RoutingContext ctx, String jobId, String name, String path, boolean wait) {
    JsonObject job =
        new JsonObject()
            .put("job_id", jobId)
            .put("path", path)
            .put("file_name", name)
            .put("wait", wait);
    DeliveryOptions delivery = Addresses.local();
    if (wait) {
      delivery.setSendTimeout(WAIT_FOR_ANALYSIS_MS);
    }
    vertx
        .eventBus()
        .<JsonObject>request(Addresses.ANALYSIS_RUN, job, delivery)
        .onSuccess(
            reply -> {
              if (wait) {
                JsonObject done = reply.body();
                ctx.json(
                    new JsonObject()
                        .put("success", true)
                        .put("job_id", jobId)
                        .put("file_name", name)
                        .put("total_records", done.getLong("total_records"))
                        .put("anomalies_found", done.getLong("anomalies_found"))
                        .put("anomaly_rate", done.getDouble("anomaly_rate"))
                        .put("analysis_id", done.getLong("analysis_id")));
              } else {
                ctx.response()
                    .setStatusCode(202)
                    .putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("job_id", jobId).put("file_name", name).encode());
              }
            })
        .onFailure(
            e -> {
              ReplyFailure failure = e instanceof ReplyException re ? re.failureType() : null;
              // Once the analysis verticle has the upload, it deletes it; only one that never got
              // there is ours.
              if (failure == ReplyFailure.NO_HANDLERS) {
                vertx.fileSystem().delete(path);
              }
              if (wait && failure == ReplyFailure.TIMEOUT) {
                error(
                    ctx,
                    504,
                    "the analysis did not finish within "
                        + WAIT_FOR_ANALYSIS_MS / 60_000
                        + " minutes; it goes on, see GET /api/jobs/"
                        + jobId);
                return;
              }
              ctx.fail(e);
            });
  }

  /** True for {@code POST /api/upload-csv?wait=true}, whose answers all carry {@code success}. */
  private static boolean waits(RoutingContext ctx) {
    return UPLOAD_PATH.equals(ctx.request().path()) && "true".equals(ctx.queryParams().get("wait"));
  }

  private void deleteUploads(RoutingContext ctx) {
    for (FileUpload f : ctx.fileUploads()) {
      vertx.fileSystem().delete(f.uploadedFileName());
    }
  }

  private void job(RoutingContext ctx) {
    ask(ctx, Addresses.ANALYSIS_JOB, new JsonObject().put("job_id", ctx.pathParam("id")));
  }

  private void ask(RoutingContext ctx, String address, JsonObject request) {
    vertx
        .eventBus()
        .<JsonObject>request(address, request, Addresses.local())
        .onSuccess(reply -> ctx.json(reply.body()))
        .onFailure(ctx::fail);
  }

  private interface IdHandler {
    void handle(long id);
  }

  private void withId(RoutingContext ctx, IdHandler handler) {
    String raw = ctx.pathParam("id");
    long id;
    try {
      id = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      error(ctx, 400, "analysis id must be a number");
      return;
    }
    handler.handle(id);
  }

  /** Reads an integer query parameter, answering 400 and returning -1 when it is bad. */
  private static int intParam(RoutingContext ctx, String name, int def, int min, int max) {
    String raw = ctx.queryParams().get(name);
    if (raw == null) {
      return def;
    }
    try {
      int v = Integer.parseInt(raw);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    error(
        ctx,
        400,
        "query parameter '" + name + "' must be a whole number from " + min + " to " + max);
    return -1;
  }

  /** Answers with a JSON {@code error} (and {@code success: false} for a waiting upload). */
  static void error(RoutingContext ctx, int status, String message) {
    JsonObject body = new JsonObject().put("error", message);
    if (waits(ctx)) {
      body.put("success", false);
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  private void failure(RoutingContext ctx) {
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    String message;
    Throwable failure = ctx.failure();
    if (failure instanceof ReplyException re && re.failureCode() >= 400 && re.failureCode() < 600) {
      status = re.failureCode();
      message = re.getMessage();
    } else if (failure instanceof ReplyException re) {
      status = 503;
      message = "service unavailable: " + re.getMessage();
    } else if (status == 404) {
      message = "not found: " + ctx.request().path();
    } else if (IoFailure.diskFull(failure)) {
      status = 507;
      message = "disk full: " + IoFailure.reason(failure);
    } else if (status == 413) {
      message =
          "upload too large: the limit is "
              + http.getInteger("max_upload_mb")
              + " MB (http.max_upload_mb)";
    } else if (status < 500) {
      message = "bad request";
    } else {
      message = "internal error";
      LOG.error("Request {} {} failed", ctx.request().method(), ctx.request().path(), failure);
    }
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    error(ctx, status, message);
  }
}
