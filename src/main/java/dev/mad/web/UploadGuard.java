package dev.mad.web;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;

/**
 * A platform handler (Vert.x Web orders those before body handlers) that runs before the body handler of {@code POST /api/upload-csv} and keeps the uploads directory
 * bounded and honest:
 *
 * <ul>
 *   <li>at most {@link #MAX_IN_FLIGHT} uploads are received at once (503 with {@code Retry-After}
 *       beyond), so {@code uploads/} holds at most that many files of {@code http.max_upload_mb}
 *       besides the analysis queue's;
 *   <li>an upload that would not fit on the disk (twice its size, for the results, plus {@code http.min_free_mb})
 *       is refused at once with 507, instead of being accepted and failing later;
 *   <li>an upload whose file could not be written (the disk filled while it arrived) is answered
 *       with 507 and its partial file deleted. Vert.x Web 5.0.7's {@code BodyHandler} throws from
 *       its own clean-up in that case ("File handle is closed") and then never answers, leaving
 *       the client hanging until the idle timeout and the partial file on disk; no setting avoids
 *       it, so this guard notices a request that has ended without the body handler passing it on.
 * </ul>
 */
final class UploadGuard implements PlatformHandler {
  static final int MAX_IN_FLIGHT = 4;

  private static final String HANDED_OVER = "mad.upload.handed-over";
  private static final long WATCH_MS = 1000;

  private final Vertx vertx;
  private final String logsDir;
  private final long maxUploadBytes;

  /** Kept free beyond the upload itself: the history, logs and the analysis database need room. */
  private final long reserveBytes;

  private int inFlight;

  /** @param reserveBytes free space kept in the logs directory ({@code http.min_free_mb}) */
  UploadGuard(Vertx vertx, String logsDir, long maxUploadBytes, long reserveBytes) {
    this.vertx = vertx;
    this.logsDir = logsDir;
    this.maxUploadBytes = maxUploadBytes;
    this.reserveBytes = reserveBytes;
  }

  /** Called by the upload handler once the body handler has passed the request on. */
  static void handedOver(RoutingContext ctx) {
    ctx.put(HANDED_OVER, true);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (inFlight >= MAX_IN_FLIGHT) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "10");
      refuse(ctx, 503, "too many uploads at once (at most " + MAX_IN_FLIGHT + "); try again soon");
      return;
    }
    inFlight++;
    ctx.addEndHandler(x -> inFlight--);
    long length = contentLength(ctx);
    long needed = 2 * (length >= 0 ? Math.min(length, maxUploadBytes) : 0) + reserveBytes;
    // the free space is asked off the event loop; the body waits meanwhile
    ctx.request().pause();
    vertx
        .fileSystem()
        .fsProps(logsDir)
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result().usableSpace() < needed) {
                refuse(
                    ctx,
                    507,
                    "disk full: "
                        + mib(ar.result().usableSpace())
                        + " MB free in the logs directory, this upload needs "
                        + mib(needed)
                        + " MB");
                return;
              }
              watch(ctx);
              ctx.next();
            });
  }

  /** Answers a request that ended but was never passed on (its file could not be written). */
  private void watch(RoutingContext ctx) {
    long[] seenEnded = {0};
    long timer =
        vertx.setPeriodic(
            WATCH_MS,
            id -> {
              if (ctx.response().ended() || Boolean.TRUE.equals(ctx.get(HANDED_OVER))) {
                vertx.cancelTimer(id);
              } else if (ctx.request().isEnded() && ++seenEnded[0] >= 2) {
                vertx.cancelTimer(id);
                for (FileUpload f : ctx.fileUploads()) {
                  vertx.fileSystem().delete(f.uploadedFileName()).onFailure(e -> {});
                }
                vertx
                    .fileSystem()
                    .fsProps(logsDir)
                    .onComplete(
                        ar ->
                            refuse(
                                ctx,
                                ar.succeeded() && ar.result().usableSpace() < reserveBytes
                                    ? 507
                                    : 500,
                                ar.succeeded() && ar.result().usableSpace() < reserveBytes
                                    ? "disk full: the upload could not be stored ("
                                        + mib(ar.result().usableSpace())
                                        + " MB free in the logs directory)"
                                    : "the upload could not be stored"));
              }
            });
    ctx.addEndHandler(x -> vertx.cancelTimer(timer));
  }

  /** Answers with an error and closes the connection, so an unread body is not waited for. */
  private static void refuse(RoutingContext ctx, int status, String message) {
    if (ctx.response().ended()) {
      return;
    }
    JsonObject body = new JsonObject().put("error", message);
    if ("true".equals(ctx.queryParams().get("wait"))) {
      body.put("success", false);
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(body.encode())
        .onComplete(x -> ctx.request().connection().close());
  }

  private static long contentLength(RoutingContext ctx) {
    try {
      String header = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
      return header == null ? -1 : Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long mib(long bytes) {
    return bytes / (1024 * 1024);
  }
}
