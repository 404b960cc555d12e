package dev.mad.web;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes a connection that has not sent a whole request head within {@link #SECONDS} of
 * connecting. The idle timeout alone cannot stop a slowloris client, which sends a header byte
 * every few seconds and so is never idle; Vert.x has no header-read timeout, so this one is kept
 * here (as nginx's {@code client_header_timeout}). A connection is remembered only until its
 * deadline has passed, so the set is bounded by the connections opened in the last {@link
 * #SECONDS}. Needs HTTP/2 over clear text off: with it on, Vert.x announces an HTTP/1.x connection
 * only after its first request head, too late for this.
 */
final class HeadDeadline {
  static final long SECONDS = 10;

  private final Vertx vertx;
  private final Set<HttpConnection> served = ConcurrentHashMap.newKeySet();

  HeadDeadline(Vertx vertx) {
    this.vertx = vertx;
  }

  /** For the server's connection handler. */
  void connected(HttpConnection connection) {
    vertx.setTimer(
        SECONDS * 1000,
        id -> {
          if (!served.remove(connection)) {
            connection.close();
          }
        });
  }

  /** For the server's request handler: the request's head has arrived. */
  void requested(HttpServerRequest request) {
    served.add(request.connection());
  }
}
