package dev.mad.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
          + "disk_read_mb,disk_write_mb,network_sent_mb,network_recv_mb,is_anomaly,anomaly_score,severity,host,agent_id,seq";

  @TempDir Path logs;

  private String deploy(Vertx vertx) throws Exception {
    return deploy(vertx, new PersistVerticle());
  }

  private String deploy(Vertx vertx, PersistVerticle verticle) throws Exception {
    return vertx
        .deployVerticle(
            verticle,
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
   * after the samples comes after their rows are written; a failed write would show as a problem.
   */
  private List<String> linesWritten(Vertx vertx) throws Exception {
    assertThat(health(vertx).containsKey("problem")).isFalse();
    return Files.readAllLines(logs.resolve("metrics_history.csv"));
  }

  private static JsonObject health(Vertx vertx) throws Exception {
    return vertx
        .eventBus()
        .<JsonObject>request(Addresses.health("persist"), new JsonObject())
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS)
        .body();
  }

  private static void publish(Vertx vertx, int from, int count) {
    for (int i = from; i < from + count; i++) {
      vertx
          .eventBus()
          .publish(Addresses.METRICS_SCORED, scored(1_700_000_000_000L + i * 1000L, i, false));
    }
  }

  @Test
  @DisplayName(
      "on a full disk a row is dropped whole, never cut and joined to the next; health says disk"
          + " full and counts the dropped rows, and writing resumes when space returns")
  void diskFullDropsWholeRows(Vertx vertx) throws Exception {
    FillingDisk disk = new FillingDisk();
    deploy(vertx, new PersistVerticle(disk));
    publish(vertx, 0, 3);
    assertThat(linesWritten(vertx)).hasSize(4);

    disk.free.set(40); // the next row gets 40 bytes onto the disk, then ENOSPC
    publish(vertx, 3, 5);
    JsonObject full = health(vertx);
    assertThat(full.getString("problem"))
        .startsWith("disk full: cannot write metrics_history.csv")
        .contains("No space left on device");
    assertThat(full.getLong("rows_dropped")).isEqualTo(5);

    disk.free.set(Long.MAX_VALUE);
    publish(vertx, 8, 2);
    List<String> lines = linesWritten(vertx);
    JsonObject after = health(vertx);
    assertThat(after.getLong("rows_dropped")).isEqualTo(5);
    assertThat(after.getString("last_dropped_at")).isNotBlank();
    assertThat(lines).hasSize(6);
    assertThat(lines.get(0)).isEqualTo(HEADER);
    assertThat(lines.stream().skip(1).map(l -> l.split(",", -1).length)).containsOnly(15);
    assertThat(lines.subList(1, 6).stream().map(l -> l.split(",")[1]))
        .containsExactly("0.0000", "1.0000", "2.0000", "8.0000", "9.0000");
  }

  @Test
  @DisplayName(
      "a logs directory deleted while the server runs is noticed, recreated with its lock, history"
          + " and incidents, and reported in health; a second server is refused again")
  void deletedLogsDirIsRecreated(Vertx vertx) throws Exception {
    deploy(vertx);
    publish(vertx, 0, 2);
    assertThat(linesWritten(vertx)).hasSize(3);
    try (var tree = Files.walk(logs)) {
      for (Path p : tree.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    // awaited: the watch runs every WATCH_MS; bounded at 10 of them
    long deadline =
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10 * PersistVerticle.WATCH_MS);
    JsonObject h = health(vertx);
    while (!h.containsKey("logs_dir_recreated") && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(100);
      h = health(vertx);
    }
    assertThat(h.getString("logs_dir_recreated")).isNotBlank();
    assertThat(logs.resolve("uploads")).isDirectory();
    assertThat(logs.resolve("anomalies.json")).hasContent("[ ]");
    publish(vertx, 2, 1);
    List<String> lines = linesWritten(vertx);
    assertThat(lines.get(0)).isEqualTo(HEADER);
    assertThat(lines).hasSize(2);
    assertThatThrownBy(() -> dev.mad.files.LogsDirLock.acquire(logs))
        .hasMessageContaining("another server is already writing to");
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
                + "8\\.5000,1\\.2500,0\\.5000,0\\.0100,0\\.0200,false,,,web-1,,");
    assertThat(lines.get(5)).endsWith(",true,-0.7312,critical,web-1,,");
    assertThat(lines.stream().skip(1).map(l -> l.split(",", -1).length)).containsOnly(15);
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
    assertThat(lines.get(2)).endsWith(",false,,,web-1,,");
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
