package dev.mad.persist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class PersistVerticleTest {
  private static final String HEADER =
      "timestamp,cpu_percent,cpu_frequency,memory_percent,memory_available_gb,"
          + "disk_read_mb,disk_write_mb,network_sent_mb,network_recv_mb,is_anomaly,anomaly_score,severity,host";

  @TempDir Path logs;

  private String deploy(Vertx vertx) throws Exception {
    return vertx
        .deployVerticle(
            new PersistVerticle(),
            new DeploymentOptions()
                .setThreadingModel(ThreadingModel.WORKER)
                .setConfig(new JsonObject().put("logs_dir", logs.toString())))
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private static JsonObject scored(long ts, double cpu, boolean anomaly) {
    double[] v = {cpu, 2400, 40, 8.5, 1.25, 0.5, 0.01, 0.02};
    JsonObject json = new MetricSample(ts, "web-1", v).toJson().put("is_anomaly", anomaly);
    if (anomaly) {
      json.put("anomaly_score", -0.7312).put("severity", "critical");
    }
    return json;
  }

  /**
   * The lines of metrics_history.csv once persist has handled every message sent before. It is a worker
   * verticle, handling one message at a time in arrival order, so its answer to a health request sent
   * after the samples comes after their rows are written; a failed write would make it answer 503.
   */
  private List<String> linesWritten(Vertx vertx) throws Exception {
    vertx
        .eventBus()
        .request(Addresses.health("persist"), new JsonObject())
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    return Files.readAllLines(logs.resolve("metrics_history.csv"));
  }

  @Test
  @DisplayName("writes the exact header, then one row per sample with score, severity and host")
  void oneRowPerSample(Vertx vertx) throws Exception {
    deploy(vertx);
    for (int i = 0; i < 5; i++) {
      vertx
          .eventBus()
          .publish(
              Addresses.METRICS_SCORED, scored(1_700_000_000_000L + i * 1000L, 10 + i, i == 4));
    }
    List<String> lines = linesWritten(vertx);
    assertThat(lines).hasSize(6);
    assertThat(lines.get(0)).isEqualTo(HEADER);
    assertThat(lines.get(1))
        .matches(
            "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6},10\\.0000,2400\\.0000,40\\.0000,"
                + "8\\.5000,1\\.2500,0\\.5000,0\\.0100,0\\.0200,false,,,web-1");
    assertThat(lines.get(5)).endsWith(",true,-0.7312,critical,web-1");
    assertThat(lines.stream().skip(1).map(l -> l.split(",").length)).containsOnly(13);
  }

  @Test
  @DisplayName("after a crash mid-line, a restart drops the partial line and appends cleanly")
  void repairsPartialLine(Vertx vertx) throws Exception {
    Path file = logs.resolve("metrics_history.csv");
    Files.writeString(
        file,
        HEADER
            + "\n2024-01-01 00:00:00.000000,1,2,3,4,5,6,7,8,false,,,h\n2024-01-01 00:00:01.0000");
    deploy(vertx);
    vertx.eventBus().publish(Addresses.METRICS_SCORED, scored(1_700_000_000_000L, 12, false));
    List<String> lines = linesWritten(vertx);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1)).startsWith("2024-01-01 00:00:00.000000");
    assertThat(lines.get(2)).endsWith(",false,,,web-1");
  }

  @Test
  @DisplayName(
      "a start that fails (the history file cannot be written) leaves the lock for the next try")
  void failedStartReleasesTheLock(Vertx vertx) throws Exception {
    // metrics_history.csv as a directory: the writer cannot open it, as on a full or broken disk
    Files.createDirectories(logs.resolve("metrics_history.csv"));
    Throwable failure =
        vertx
            .deployVerticle(
                new PersistVerticle(),
                new DeploymentOptions()
                    .setThreadingModel(ThreadingModel.WORKER)
                    .setConfig(new JsonObject().put("logs_dir", logs.toString())))
            .toCompletionStage()
            .toCompletableFuture()
            .handle((id, e) -> e)
            .join();
    assertThat(failure).isNotNull();
    Files.delete(logs.resolve("metrics_history.csv"));
    // the supervisor's redeploy: the same process, the lock free again
    String id = deploy(vertx);
    assertThat(id).isNotBlank();
    vertx.eventBus().publish(Addresses.METRICS_SCORED, scored(1_700_000_000_000L, 12.5, false));
    assertThat(linesWritten(vertx)).hasSize(2);
  }

  @Test
  @DisplayName("a second server on the same logs directory is refused instead of interleaving rows")
  void secondWriterRefused(Vertx vertx) throws Exception {
    deploy(vertx);
    Throwable failure =
        vertx
            .deployVerticle(
                new PersistVerticle(),
                new DeploymentOptions()
                    .setThreadingModel(ThreadingModel.WORKER)
                    .setConfig(new JsonObject().put("logs_dir", logs.toString())))
            .toCompletionStage()
            .toCompletableFuture()
            .handle((id, e) -> e)
            .join();
    assertThat(failure).isNotNull().hasMessageContaining("another server is already writing to");
  }

  @Test
  @DisplayName(
      "metrics_history.csv rolls over at its size limit, each file with the header, keeping a bounded number")
  void rollsOverBySize() throws Exception {
    Path file = logs.resolve("metrics_history.csv");
    try (MetricsHistoryWriter writer = new MetricsHistoryWriter(file, 2000, false, 2)) {
      for (int i = 0; i < 100; i++) {
        writer.append(scored(1_700_000_000_000L + i * 1000L, i, false));
      }
    }
    List<Path> files;
    try (var list = Files.list(logs)) {
      files = list.filter(p -> p.getFileName().toString().startsWith("metrics_history")).toList();
    }
    assertThat(files).hasSize(3);
    long rows = 0;
    for (Path f : files) {
      List<String> lines = Files.readAllLines(f);
      assertThat(lines.get(0)).isEqualTo(HEADER);
      assertThat(Files.size(f)).isLessThanOrEqualTo(2000);
      rows += lines.size() - 1;
    }
    assertThat(Files.readAllLines(file).get(Files.readAllLines(file).size() - 1))
        .startsWith(
            MetricsHistoryWriter.TIMESTAMP.format(Instant.ofEpochMilli(1_700_000_099_000L)));
    assertThat(rows).isLessThan(100).isGreaterThan(10);
  }

  @Test
  @DisplayName(
      "temp files and unanalysed uploads left by a crash are removed at start; results are kept")
  void removesCrashLeftovers(Vertx vertx) throws Exception {
    Files.createDirectories(logs.resolve("uploads"));
    Files.createDirectories(logs.resolve("analyses"));
    Path tmp = Files.writeString(logs.resolve(".metrics_data.csv.123.tmp"), "half");
    Path upload = Files.writeString(logs.resolve("uploads").resolve("4b99"), "timestamp,x");
    Path chartTmp = Files.writeString(logs.resolve("analyses").resolve(".7.chart.json.tmp"), "{");
    Path kept = Files.writeString(logs.resolve("analyses").resolve("7.csv"), "timestamp,x");
    deploy(vertx);
    assertThat(tmp).doesNotExist();
    assertThat(upload).doesNotExist();
    assertThat(chartTmp).doesNotExist();
    assertThat(kept).exists();
  }
}
