package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** An upload cut short, or left hanging, leaves nothing behind in logs/uploads. */
@ExtendWith(VertxExtension.class)
class CutUploadTest {
  @TempDir Path logs;

  private static long files(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  /** Completes once {@code dir} holds {@code count} files (checked every 50 ms: no event says so). */
  private static Future<Void> whenFiles(Vertx vertx, Path dir, long count) {
    Promise<Void> done = Promise.promise();
    vertx.setPeriodic(
        50,
        id -> {
          try {
            if (files(dir) == count) {
              vertx.cancelTimer(id);
              done.tryComplete();
            }
          } catch (Exception e) {
            done.tryFail(e);
          }
        });
    return done.future();
  }

  @Test
  @DisplayName(
      "a multipart upload without its closing boundary, then a dropped connection, leaves no file")
  void cutShort(Vertx vertx) throws Exception {
    int port = ServerFixture.start(vertx, logs, new JsonObject());
    Path uploads = logs.resolve("uploads");
    String part =
        "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
            + "Content-Type: text/csv\r\n\r\ntimestamp,cpu_percent\n2025-01-01 00:00:00,1\n";
    try (Socket socket = new Socket("127.0.0.1", port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/upload-csv HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nContent-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 100000\r\n\r\n"
                  + part)
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      await(whenFiles(vertx, uploads, 1));
    }
    await(whenFiles(vertx, uploads, 0));
    assertThat(files(uploads)).isZero();
  }

  @Test
  @DisplayName(
      "an upload left hanging without its closing boundary is closed when idle and leaves no file")
  void leftHanging(Vertx vertx) throws Exception {
    int port = ServerFixture.start(vertx, logs, new JsonObject().put("idle_seconds", 5));
    Path uploads = logs.resolve("uploads");
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000); // without the idle timeout, fail instead of waiting forever
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/upload-csv HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nContent-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 100000\r\n\r\n"
                  + "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
                  + "timestamp,cpu_percent\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      await(whenFiles(vertx, uploads, 1));
      // the client says nothing more; the server closes the connection and removes the part
      assertThat(socket.getInputStream().read())
          .as("the server closed the connection")
          .isEqualTo(-1);
      await(whenFiles(vertx, uploads, 0));
    }
  }
}
