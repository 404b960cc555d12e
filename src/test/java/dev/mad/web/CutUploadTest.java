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

/**
 * An upload cut short, or left hanging, leaves nothing behind in logs/uploads; one that does not
 * fit on the disk is refused before it is stored; the uploads received at once are bounded.
 */
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

  private static final String HEAD =
      "POST /api/upload-csv HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
          + "Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: %d\r\n\r\n";

  private static String answer(Socket socket) throws Exception {
    socket.setSoTimeout(30_000);
    return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName(
      "an upload that would not leave http.min_free_mb free is refused at once with 507 disk full,"
          + " before anything is stored")
  void refusedWhenTheDiskIsFull(Vertx vertx) throws Exception {
    // 10 TB kept free: more than any test machine has, so every upload is one too many
    int port = ServerFixture.start(vertx, logs, new JsonObject().put("min_free_mb", 10_000_000));
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket
          .getOutputStream()
          .write(String.format(HEAD, port, 100_000).getBytes(StandardCharsets.US_ASCII));
      String answer = answer(socket);
      assertThat(answer)
          .startsWith("HTTP/1.1 507")
          .contains("disk full:")
          .contains("MB free in the logs directory");
    }
    assertThat(files(logs.resolve("uploads"))).isZero();
  }

  @Test
  @DisplayName(
      "at most UploadGuard.MAX_IN_FLIGHT uploads are received at once; one more gets 503 with"
          + " Retry-After")
  void uploadsAtOnceAreBounded(Vertx vertx) throws Exception {
    int port = ServerFixture.start(vertx, logs, new JsonObject());
    Path uploads = logs.resolve("uploads");
    java.util.List<Socket> hanging = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < UploadGuard.MAX_IN_FLIGHT; i++) {
        Socket s = new Socket("127.0.0.1", port);
        hanging.add(s);
        s.getOutputStream()
            .write(
                (String.format(HEAD, port, 100_000)
                        + "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a"
                        + i
                        + ".csv\"\r\n\r\ntimestamp,cpu_percent\n")
                    .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
      }
      await(whenFiles(vertx, uploads, UploadGuard.MAX_IN_FLIGHT));
      try (Socket one = new Socket("127.0.0.1", port)) {
        one.getOutputStream()
            .write(String.format(HEAD, port, 100_000).getBytes(StandardCharsets.US_ASCII));
        assertThat(answer(one)).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After: 10");
      }
    } finally {
      for (Socket s : hanging) {
        s.close();
      }
    }
    await(whenFiles(vertx, uploads, 0));
  }
}
