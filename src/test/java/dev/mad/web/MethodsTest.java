package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** HEAD, OPTIONS and a wrong method on a known route answer as HTTP says, not 404. */
@ExtendWith(VertxExtension.class)
class MethodsTest {
  @TempDir Path logs;

  @Test
  @DisplayName(
      "HEAD answers like GET without a body; OPTIONS lists the methods; a wrong one gets 405")
  void methods(Vertx vertx) throws Exception {
    int port = ServerFixture.start(vertx, logs, new JsonObject());
    WebClient client = WebClient.create(vertx);
    HttpResponse<Buffer> head =
        await(client.request(HttpMethod.HEAD, port, "127.0.0.1", "/api/status").send());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body() == null || head.body().length() == 0).isTrue();
    assertThat(await(client.request(HttpMethod.HEAD, port, "127.0.0.1", "/").send()).statusCode())
        .isEqualTo(200);

    HttpResponse<Buffer> options =
        await(client.request(HttpMethod.OPTIONS, port, "127.0.0.1", "/api/status").send());
    assertThat(options.statusCode()).isEqualTo(204);
    assertThat(options.getHeader("Allow")).isEqualTo("GET, HEAD, OPTIONS");

    HttpResponse<Buffer> delete =
        await(
            client
                .request(HttpMethod.DELETE, port, "127.0.0.1", "/api/analyses/1/results.csv")
                .send());
    assertThat(delete.statusCode()).isEqualTo(405);
    assertThat(delete.getHeader("Allow")).isEqualTo("GET, HEAD, OPTIONS");
    assertThat(delete.bodyAsJsonObject().getString("error")).contains("DELETE is not allowed");

    HttpResponse<Buffer> getUpload = await(client.get(port, "127.0.0.1", "/api/upload-csv").send());
    assertThat(getUpload.statusCode()).isEqualTo(405);
    assertThat(getUpload.getHeader("Allow")).isEqualTo("OPTIONS, POST");

    assertThat(await(client.get(port, "127.0.0.1", "/api/no-such-thing").send()).statusCode())
        .isEqualTo(404);
  }
}
