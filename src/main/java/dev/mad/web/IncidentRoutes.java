package dev.mad.web;

import dev.mad.bus.Addresses;
import dev.mad.bus.IncidentChange;
import dev.mad.bus.MetricSample;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The routes that change something: working an incident ({@code POST /api/incidents/acknowledge},
 * {@code resolve}, {@code false-alarm}), silences ({@code GET|POST /api/silences}, {@code DELETE
 * /api/silences/:id}), maintenance windows (the same under {@code /api/maintenance}) and the
 * receivers' state ({@code GET /api/notifications}). They sit under {@code /api/}, so the token
 * guards them when one is set and {@link SameOrigin} refuses another site's {@code Origin}; on top
 * of that a body must be {@code application/json}, which no cross-site HTML form can send, so a
 * forged form post is refused even from a browser that sends no {@code Origin}. Every field is
 * checked: a bad one gets 400 with a JSON error naming it.
 */
final class IncidentRoutes {
  /** Largest body of these routes. */
  static final int BODY_BYTES = 16 * 1024;

  static final int MAX_COMMENT = 2000;
  static final int MAX_BY = 100;
  static final int MAX_HOST = 300;
  static final long MIN_SILENCE_S = 60;
  static final long MAX_SILENCE_S = 30L * 86_400;
  static final long MAX_WINDOW_S = 366L * 86_400;

  private final Vertx vertx;

  private IncidentRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  static void mount(Vertx vertx, Router router) {
    IncidentRoutes r = new IncidentRoutes(vertx);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_BYTES);
    post(
        router,
        body,
        "/api/incidents/acknowledge",
        ctx -> r.work(ctx, IncidentChange.ACKNOWLEDGED));
    post(router, body, "/api/incidents/resolve", ctx -> r.work(ctx, IncidentChange.RESOLVED));
    post(
        router, body, "/api/incidents/false-alarm", ctx -> r.work(ctx, IncidentChange.FALSE_ALARM));
    post(router, body, "/api/silences", r::silence);
    post(router, body, "/api/maintenance", r::maintenance);
    read(router, "/api/silences", ctx -> r.list(ctx, "silences"));
    read(router, "/api/maintenance", ctx -> r.list(ctx, "maintenance"));
    read(router, "/api/notifications", ctx -> r.list(ctx, "receivers"));
    router.delete("/api/silences/:id").handler(ctx -> r.remove(ctx, "unsilence"));
    router.delete("/api/maintenance/:id").handler(ctx -> r.remove(ctx, "unmaintain"));
  }

  private interface Handler {
    void handle(RoutingContext ctx) throws Bad;
  }

  /** A field that is missing or out of range: answered with 400. */
  private static final class Bad extends Exception {
    Bad(String why) {
      super(why, null, false, false);
    }
  }

  private static void post(Router router, BodyHandler body, String path, Handler h) {
    router
        .post(path)
        .handler(body)
        .handler(
            ctx -> {
              String type = ctx.request().getHeader("Content-Type");
              if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                WebVerticle.error(
                    ctx, 415, "send the body as JSON with Content-Type: application/json");
                return;
              }
              ctx.next();
            })
        .handler(ctx -> run(ctx, h));
  }

  private static void read(Router router, String path, Handler h) {
    router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> run(ctx, h));
  }

  private static void run(RoutingContext ctx, Handler h) {
    try {
      h.handle(ctx);
    } catch (Bad e) {
      WebVerticle.error(ctx, 400, e.getMessage());
    }
  }

  private void work(RoutingContext ctx, String action) throws Bad {
    JsonObject in = body(ctx);
    JsonObject request =
        new JsonObject()
            .put("action", action)
            .put("host", host(in, "host"))
            .put("id", id(in, "id"))
            .put("by", by(in))
            .put("comment", comment(in));
    ask(ctx, Addresses.INCIDENT_WORK, request);
  }

  private void silence(RoutingContext ctx) throws Bad {
    JsonObject in = body(ctx);
    String host = host(in, "host");
    String metric = optionalText(in, "metric", 100);
    if (metric != null && !MetricSample.METRICS.contains(metric)) {
      throw new Bad("field 'metric' must be one of " + MetricSample.METRICS);
    }
    long seconds = whole(in, "duration_s", MIN_SILENCE_S, MAX_SILENCE_S, null);
    long until = System.currentTimeMillis() + seconds * 1000;
    Long incident = in.containsKey("incident_id") ? id(in, "incident_id") : null;
    JsonObject request =
        new JsonObject()
            .put("op", "silence")
            .put("host", host)
            .put("metric", metric)
            .put("until_ms", until)
            .put("by", by(in))
            .put("comment", comment(in));
    create(
        ctx,
        request,
        () -> {
          if (incident != null) {
            vertx
                .eventBus()
                .send(
                    Addresses.INCIDENT_MUTED,
                    new JsonObject()
                        .put("host", host)
                        .put("id", incident)
                        .put("until", Instant.ofEpochMilli(until).toString()),
                    Addresses.local());
          }
        });
  }

  private void maintenance(RoutingContext ctx) throws Bad {
    JsonObject in = body(ctx);
    String host = host(in, "host");
    long now = System.currentTimeMillis();
    long start = in.containsKey("start") ? instant(in, "start") : now;
    long end;
    if (in.containsKey("end") == in.containsKey("duration_s")) {
      throw new Bad("give either 'end' (ISO-8601) or 'duration_s', not both or neither");
    } else if (in.containsKey("end")) {
      end = instant(in, "end");
    } else {
      end = start + 1000 * whole(in, "duration_s", MIN_SILENCE_S, MAX_WINDOW_S, null);
    }
    if (end <= start) {
      throw new Bad("the window must end after it starts");
    }
    if (end <= now) {
      throw new Bad("the window would already be over");
    }
    if (end - start > MAX_WINDOW_S * 1000) {
      throw new Bad("a maintenance window lasts at most 366 days");
    }
    JsonObject request =
        new JsonObject()
            .put("op", "maintenance")
            .put("host", host)
            .put("start_ms", start)
            .put("end_ms", end)
            .put("by", by(in))
            .put("comment", comment(in));
    create(ctx, request, () -> {});
  }

  /** Asks notify to make a silence or window; 201 with it, after {@code made} has run. */
  private void create(RoutingContext ctx, JsonObject request, Runnable made) {
    vertx
        .eventBus()
        .<JsonObject>request(Addresses.NOTIFY_MUTES, request, Addresses.local())
        .onSuccess(
            reply -> {
              made.run();
              ctx.response().setStatusCode(201);
              ctx.json(reply.body());
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx, String what) {
    vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.NOTIFY_MUTES, new JsonObject().put("op", "list"), Addresses.local())
        .onSuccess(reply -> ctx.json(new JsonObject().put(what, reply.body().getJsonArray(what))))
        .onFailure(ctx::fail);
  }

  private void remove(RoutingContext ctx, String op) {
    long id;
    try {
      id = Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      WebVerticle.error(ctx, 400, "the id must be a number");
      return;
    }
    ask(ctx, Addresses.NOTIFY_MUTES, new JsonObject().put("op", op).put("id", id));
  }

  private void ask(RoutingContext ctx, String address, JsonObject request) {
    vertx
        .eventBus()
        .<JsonObject>request(address, request, Addresses.local())
        .onSuccess(reply -> ctx.json(reply.body()))
        .onFailure(ctx::fail);
  }

  private static JsonObject body(RoutingContext ctx) throws Bad {
    try {
      Object parsed = ctx.body().asJsonObject();
      if (parsed == null) {
        throw new Bad("the body must be a JSON object");
      }
      return (JsonObject) parsed;
    } catch (DecodeException | ClassCastException e) {
      throw new Bad("the body must be a JSON object");
    }
  }

  private static String host(JsonObject in, String field) throws Bad {
    if (!(in.getValue(field) instanceof String s) || s.isBlank()) {
      throw new Bad("field '" + field + "' must be a non-empty string");
    }
    if (s.length() > MAX_HOST) {
      throw new Bad("field '" + field + "' must be at most " + MAX_HOST + " characters");
    }
    return s;
  }

  private static long id(JsonObject in, String field) throws Bad {
    return whole(in, field, 0, Long.MAX_VALUE, "an incident id");
  }

  private static long whole(JsonObject in, String field, long min, long max, String what)
      throws Bad {
    Object v = in.getValue(field);
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      long l = n.longValue();
      if (l >= min && l <= max) {
        return l;
      }
    }
    throw new Bad(
        "field '"
            + field
            + "' must be "
            + (what != null
                ? what + " (a whole number)"
                : "a whole number from " + min + " to " + max));
  }

  private static long instant(JsonObject in, String field) throws Bad {
    if (in.getValue(field) instanceof String s) {
      try {
        return Instant.parse(s.strip()).toEpochMilli();
      } catch (DateTimeParseException e) {
        // below
      }
    }
    throw new Bad("field '" + field + "' must be an ISO-8601 time such as 2026-12-03T02:00:00Z");
  }

  private static String by(JsonObject in) throws Bad {
    String by = optionalText(in, "by", MAX_BY);
    return by == null ? "api" : by;
  }

  private static String comment(JsonObject in) throws Bad {
    return optionalText(in, "comment", MAX_COMMENT);
  }

  private static String optionalText(JsonObject in, String field, int max) throws Bad {
    Object v = in.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new Bad("field '" + field + "' must be a string");
    }
    if (s.length() > max) {
      throw new Bad("field '" + field + "' must be at most " + max + " characters");
    }
    if (s.chars().anyMatch(c -> c < 0x20 && c != '\n' && c != '\t')) {
      throw new Bad("field '" + field + "' must not contain control characters");
    }
    String t = s.strip();
    return t.isEmpty() ? null : t;
  }
}
