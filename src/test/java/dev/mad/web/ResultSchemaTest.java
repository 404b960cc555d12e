package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.cli.BatchCli;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** One JSON result schema: the command line's output, the dashboard's download and the history API agree. */
@ExtendWith(VertxExtension.class)
class ResultSchemaTest {
  private static final Path FIXTURE =
      Path.of("src/test/resources/fixtures/seed_sample_metrics2k.csv");

  @TempDir Path serverLogs;
  @TempDir Path cliLogs;

  @Test
  @DisplayName(
      "the same file gives the same JSON document from --output-file and from the upload's download")
  void cliUploadAndDownloadAgree(Vertx vertx) throws Exception {
    Path cliJson = cliLogs.resolve("out.json");
    BatchCli cli = new BatchCli(cliLogs);
    assertThat(cli.run("--csv-file", FIXTURE.toString(), "--output-file", cliJson.toString()))
        .isZero();
    JsonObject fromCli = new JsonObject(Files.readString(cliJson, StandardCharsets.UTF_8));

    int port = ServerFixture.start(vertx, serverLogs, new JsonObject());
    WebClient client = WebClient.create(vertx);
    MultipartForm form =
        MultipartForm.create()
            .binaryFileUpload("file", "sample.csv", FIXTURE.toString(), "text/csv");
    HttpResponse<Buffer> answered =
        await(
            client
                .post(port, "127.0.0.1", "/api/upload-csv?wait=true")
                .putHeader("Origin", "http://127.0.0.1:" + port)
                .sendMultipartForm(form));
    assertThat(answered.statusCode()).isEqualTo(200);
    long id = answered.bodyAsJsonObject().getLong("analysis_id");

    HttpResponse<Buffer> download =
        await(client.get(port, "127.0.0.1", "/api/analyses/" + id + "/results.json").send());
    assertThat(download.statusCode()).isEqualTo(200);
    JsonObject fromDownload = download.bodyAsJsonObject();

    assertThat(fromCli.getInteger("schema_version")).isEqualTo(3);
    assertThat(fromCli.getJsonArray("rows")).hasSize(2000);
    assertThat(fromCli.getJsonObject("summary").getLong("incidents")).isPositive();
    JsonObject flagged =
        fromCli.getJsonArray("rows").stream()
            .map(JsonObject.class::cast)
            .filter(r -> r.getBoolean("is_anomaly"))
            .findFirst()
            .orElseThrow();
    assertThat(flagged.getValue("severity_factors")).isInstanceOf(JsonArray.class);
    assertThat(flagged.getValue("contributions")).isInstanceOf(JsonObject.class);
    assertThat(fromCli.getJsonArray("incidents").getJsonObject(0).getValue("contributions"))
        .isInstanceOf(JsonObject.class);
    assertThat(fromDownload).isEqualTo(fromCli);

    // the history API's flagged rows carry the same explanation, in the same shapes, as the rows
    Map<Long, JsonObject> cliRows = new HashMap<>();
    JsonArray rows = fromCli.getJsonArray("rows");
    for (int i = 0; i < rows.size(); i++) {
      cliRows.put((long) i, rows.getJsonObject(i));
    }
    JsonArray anomalies =
        await(client.get(port, "127.0.0.1", "/api/analysis-details/" + id).send())
            .bodyAsJsonObject()
            .getJsonArray("anomalies");
    assertThat(anomalies).isNotEmpty();
    for (Object o : anomalies) {
      JsonObject a = (JsonObject) o;
      JsonObject row = cliRows.get(a.getLong("row_index"));
      assertThat(a.getJsonObject("contributions")).isEqualTo(row.getJsonObject("contributions"));
      assertThat(a.getJsonArray("severity_factors"))
          .isEqualTo(row.getJsonArray("severity_factors"));
      assertThat(a.getString("reason")).isEqualTo(row.getString("reason"));
    }
  }
}
