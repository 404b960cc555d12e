package dev.mad.web;

import dev.mad.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.templ.handlebars.HandlebarsTemplateEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the dashboard page, the JSON API and the static assets. */
public class WebVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WebVerticle.class);
  static final String VERSION = WebVerticle.class.getPackage().getImplementationVersion() == null
      ? "dev" : WebVerticle.class.getPackage().getImplementationVersion();

  private final long startedMs = System.currentTimeMillis();
  private HandlebarsTemplateEngine templates;
  private HttpServer server;

  @Override
  public Future<?> start() {
    templates = HandlebarsTemplateEngine.create(vertx);
    Router router = Router.router(vertx);
    router.get("/").handler(this::dashboard);
    router.get("/api/status").handler(this::status);
    router.route("/static/*").handler(StaticHandler.create("webroot"));
    router.route().last().handler(ctx -> ctx.fail(404));
    router.route().failureHandler(this::failure);

    String host = config().getString("host", "127.0.0.1");
    int port = config().getInteger("port", 5000);
    return vertx.createHttpServer()
        .requestHandler(router)
        .listen(port, host)
        .onSuccess(s -> {
          server = s;
          LOG.info("Dashboard on http://{}:{}/", host, s.actualPort());
        })
        .recover(e -> Future.failedFuture(
            new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e)));
  }

  /** The port actually bound; differs from the configured one when that is 0. */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  private void dashboard(RoutingContext ctx) {
    JsonObject model = new JsonObject()
        .put("version", VERSION)
        .put("chart_points", config().getInteger("chart_points", 300));
    templates.render(model, "templates/index.hbs")
        .onSuccess(page -> ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(page))
        .onFailure(ctx::fail);
  }

  private void status(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.DETECT_STATUS, new JsonObject())
        .onSuccess(reply -> ctx.json(reply.body().copy()
            .put("uptime", (System.currentTimeMillis() - startedMs) / 1000)))
        .onFailure(ctx::fail);
  }

  private void failure(RoutingContext ctx) {
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    String message;
    if (ctx.failure() instanceof ReplyException re) {
      status = 503;
      message = "detector unavailable: " + re.getMessage();
    } else if (status == 404) {
      message = "not found: " + ctx.request().path();
    } else {
      message = status >= 500 ? "internal error" : "request failed";
      if (ctx.failure() != null) {
        LOG.error("Request {} failed", ctx.request().path(), ctx.failure());
      }
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }
}
