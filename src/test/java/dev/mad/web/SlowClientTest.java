package dev.mad.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Clients that never finish their request head (slowloris) do not keep connections. */
@ExtendWith(VertxExtension.class)
class SlowClientTest {
  @TempDir Path logs;

  /** True once the server has closed the connection (a read gives end of stream). */
  private static boolean closed(Socket socket) throws Exception {
    socket.setSoTimeout(1);
    try {
      return socket.getInputStream().read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  private static String get(Socket socket, int port) throws Exception {
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    socket.setSoTimeout(10_000);
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[4096];
    int n = in.read(buf);
    return new String(buf, 0, n, StandardCharsets.US_ASCII);
  }

  @Test
  @DisplayName(
      "a client sending its header a byte at a time is closed after HeadDeadline.SECONDS, though"
          + " never idle; a keep-alive client that sent whole requests keeps its connection")
  void slowHeadClosed(Vertx vertx) throws Exception {
    int port = ServerFixture.start(vertx, logs, new JsonObject().put("idle_seconds", 300));
    try (Socket slow = new Socket("127.0.0.1", port);
        Socket keepAlive = new Socket("127.0.0.1", port)) {
      assertThat(get(keepAlive, port)).startsWith("HTTP/1.1 ");
      OutputStream out = slow.getOutputStream();
      out.write(
          ("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-Slow: ")
              .getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();
      boolean wasClosed = false;
      // one header byte every 500 ms, far more often than any idle timeout; bounded at 3 deadlines
      while (System.nanoTime() - start < 3 * HeadDeadline.SECONDS * 1_000_000_000L) {
        try {
          out.write('a');
          out.flush();
        } catch (java.io.IOException e) {
          wasClosed = true;
          break;
        }
        if (closed(slow)) {
          wasClosed = true;
          break;
        }
        Thread.sleep(500);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(wasClosed).as("closed after %.1f s", seconds).isTrue();
      assertThat(seconds).isLessThan(2 * HeadDeadline.SECONDS);
      // the connection that had sent whole requests is still there past the deadline
      assertThat(get(keepAlive, port)).startsWith("HTTP/1.1 ");
    }
  }
}
