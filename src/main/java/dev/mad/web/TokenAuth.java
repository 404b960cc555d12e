package dev.mad.web;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The shared-token check of {@code http.auth_token}: an {@code Authorization: Bearer} header, or
 * the cookie the dashboard's login form sets. The cookie holds a hash of the token, not the token;
 * comparisons take constant time; the token is never logged.
 */
final class TokenAuth {
  static final String COOKIE = "mad_session";

  private final byte[] token;
  private final String cookieValue;
  private final LoginThrottle throttle = new LoginThrottle();

  /** @param token the configured token; empty disables the check */
  TokenAuth(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.cookieValue = token.isEmpty() ? "" : sha256Hex("mad-session:" + token);
  }

  boolean enabled() {
    return token.length > 0;
  }

  /** Route handler: lets the request through when authenticated, answers 401 otherwise. */
  void check(RoutingContext ctx) {
    if (!enabled()) {
      ctx.next();
      return;
    }
    if (throttled(ctx)) {
      return;
    }
    if (authenticated(ctx)) {
      ctx.next();
      return;
    }
    if (ctx.request().getHeader("Authorization") != null) {
      throttle.failed(client(ctx), System.currentTimeMillis());
    }
    ctx.response()
        .setStatusCode(401)
        .putHeader("WWW-Authenticate", "Bearer realm=\"metrics-anomaly-detector\"")
        .putHeader("Content-Type", "application/json")
        .end(
            new JsonObject()
                .put(
                    "error",
                    "authentication required: send 'Authorization: Bearer <token>' "
                        + "or log in on the dashboard")
                .encode());
  }

  private boolean authenticated(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return MessageDigest.isEqual(
          header.substring(7).strip().getBytes(StandardCharsets.UTF_8), token);
    }
    Cookie cookie = ctx.request().getCookie(COOKIE);
    return cookie != null
        && MessageDigest.isEqual(
            cookie.getValue().getBytes(StandardCharsets.UTF_8),
            cookieValue.getBytes(StandardCharsets.UTF_8));
  }

  /** POST /login with form field {@code token}: sets the session cookie, or 401. */
  void login(RoutingContext ctx) {
    String offered = ctx.request().getFormAttribute("token");
    if (!enabled()) {
      ctx.response().setStatusCode(204).end();
      return;
    }
    if (throttled(ctx)) {
      return;
    }
    if (offered == null
        || !MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8), token)) {
      throttle.failed(client(ctx), System.currentTimeMillis());
      ctx.response()
          .setStatusCode(401)
          .putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "wrong token").encode());
      return;
    }
    ctx.response()
        .addCookie(
            Cookie.cookie(COOKIE, cookieValue)
                .setHttpOnly(true)
                .setPath("/")
                .setSameSite(CookieSameSite.STRICT))
        .setStatusCode(204)
        .end();
  }

  /** Answers 429 when this client gave too many wrong tokens lately ({@link LoginThrottle}). */
  private boolean throttled(RoutingContext ctx) {
    long waitMs = throttle.waitMs(client(ctx), System.currentTimeMillis());
    if (waitMs == 0) {
      return false;
    }
    ctx.response()
        .setStatusCode(429)
        .putHeader("Retry-After", Long.toString((waitMs + 999) / 1000))
        .putHeader("Content-Type", "application/json")
        .end(
            new JsonObject()
                .put("error", "too many wrong tokens; try again in " + (waitMs + 999) / 1000 + " s")
                .encode());
    return true;
  }

  private static String client(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
  }

  private static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
