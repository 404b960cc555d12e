package dev.mad.web;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What keeps other web sites out, first on every request. Without a token (the default, loopback
 * only) a request must name this server in its {@code Host} (a loopback name, the bind address, or
 * one of {@code http.allowed_hosts}), so a DNS-rebinding page cannot reach it. A request a page
 * elsewhere could send with the user's browser (anything but GET and HEAD, and everything under
 * {@code /eventbus/}, the bridge's WebSocket included) is refused when its {@code Origin} is
 * another site's: it must be the request's own host or an allowed one. Clients that send no Origin
 * (scripts, curl) are not browsers and pass. Every answer says {@code nosniff}, may not be framed by
 * other sites, and carries a Content-Security-Policy that fits the dashboard (its own scripts and
 * styles, its WebSocket). Vert.x's CorsHandler answers cross-origin requests; this refuses them,
 * which no handler of vertx-web does for WebSockets.
 */
final class SameOrigin implements Handler<RoutingContext> {
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          + "connect-src 'self' ws: wss:; frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

  private final boolean checkHost;
  private final Set<String> hosts = new HashSet<>();
  private final Set<String> extra = new HashSet<>();

  /**
   * @param bindHost     the address the server listens on
   * @param tokenGuarded whether a token guards the API (then any Host may be used to reach it)
   * @param allowed      {@code http.allowed_hosts}: comma-separated host names of reverse proxies
   */
  SameOrigin(String bindHost, boolean tokenGuarded, String allowed) {
    this.checkHost = !tokenGuarded;
    hosts.add("127.0.0.1");
    hosts.add("localhost");
    hosts.add("::1");
    hosts.add(bare(bindHost));
    for (String h : allowed.split(",")) {
      if (!h.isBlank()) {
        extra.add(bare(h));
      }
    }
    hosts.addAll(extra);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    ctx.response()
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "SAMEORIGIN")
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("Referrer-Policy", "no-referrer");
    String host = req.getHeader("Host");
    if (checkHost && host != null && !hosts.contains(hostOf(host))) {
      refuse(
          ctx, "host '" + shorten(host) + "' is not this server's name (see http.allowed_hosts)");
      return;
    }
    String origin = req.getHeader("Origin");
    boolean changes = req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD;
    if (origin != null
        && (changes || req.path().startsWith("/eventbus/"))
        && !sameSite(origin, host)) {
      refuse(ctx, "requests from '" + shorten(origin) + "' are not accepted (another site)");
      return;
    }
    ctx.next();
  }

  private boolean sameSite(String origin, String host) {
    URI uri;
    try {
      uri = new URI(origin);
    } catch (Exception e) {
      return false;
    }
    if (uri.getHost() == null) {
      return false; // "null": a sandboxed frame or a file
    }
    String authority = uri.getRawAuthority().toLowerCase(Locale.ROOT);
    return (host != null && authority.equals(host.toLowerCase(Locale.ROOT)))
        || extra.contains(bare(uri.getHost()));
  }

  /** The host part of a Host header ({@code name:port}, {@code [::1]:port}). */
  static String hostOf(String header) {
    String h = header.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 ? h.substring(1, end) : h;
    }
    int colon = h.lastIndexOf(':');
    return colon > 0 && h.indexOf(':') == colon ? h.substring(0, colon) : h;
  }

  private static String bare(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  private static String shorten(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  private static void refuse(RoutingContext ctx, String why) {
    ctx.response()
        .setStatusCode(403)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", why).encode());
  }
}
