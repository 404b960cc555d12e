package dev.mad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mad.analysis.AnalysisHistory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The --csv-file mode as a user runs it; logs go to a temp dir through MAD_LOGS_DIR's equivalent. */
class BatchCommandTest {
  private static final Path SEED = Path.of("src/test/resources/fixtures/seed_sample_metrics2k.csv");
  private static final String HEADER = "timestamp,cpu_percent,memory_percent";

  @TempDir Path dir;
  private Path logs;
  private BatchCli cli;

  @BeforeEach
  void logsDir() {
    logs = dir.resolve("logs");
    cli = new BatchCli(logs);
  }

  private int run(String... args) {
    return cli.run(args);
  }

  private String err() {
    return cli.err();
  }

  private Path write(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  /** A small well-formed file: 60 quiet rows and one clear spike. */
  private Path goodFile(String name) throws Exception {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    for (int i = 0; i < 60; i++) {
      sb.append(String.format("2025-01-01 00:%02d:00,%d.5,%d.25%n", i, 10 + i % 5, 40 + i % 3));
    }
    sb.append("2025-01-01 01:00:00,99.0,97.0\n");
    return write(name, sb.toString());
  }

  @Test
  @DisplayName(
      "on the seed sample: every labelled anomaly flagged, summary printed, output CSV complete")
  void seedSample() throws Exception {
    Path output = dir.resolve("results.csv");
    assertThat(run("--csv-file", SEED.toString(), "--output-file", output.toString())).isZero();
    String summary = cli.out();
    assertThat(summary)
        .contains("Total records processed: 2000")
        .containsPattern("Anomalies detected: \\d+")
        .containsPattern("Anomaly rate: \\d+\\.\\d\\d%")
        .contains("By severity: critical")
        .containsPattern("Incidents: \\d+")
        .contains("Top 10 anomalies:");
    List<String> lines = Files.readAllLines(output);
    assertThat(lines).hasSize(2001);
    assertThat(lines.get(0))
        .isEqualTo(
            "timestamp,cpu_percent,cpu_frequency,memory_percent,memory_available_gb,"
                + "disk_read_mb,disk_write_mb,network_sent_mb,network_recv_mb,is_anomaly,anomaly_score,severity,reason,"
                + "severity_factors,contributions,incident_id");
    List<String> labels =
        Files.readAllLines(SEED.resolveSibling("seed_sample_metrics2k.labels.csv"));
    int tp = 0;
    int fp = 0;
    int fn = 0;
    for (int i = 1; i < lines.size(); i++) {
      boolean flagged = lines.get(i).contains(",true,");
      boolean label = labels.get(i).endsWith(",1");
      tp += flagged && label ? 1 : 0;
      fp += flagged && !label ? 1 : 0;
      fn += !flagged && label ? 1 : 0;
    }
    assertThat(2.0 * tp / (2.0 * tp + fp + fn)).isGreaterThanOrEqualTo(0.97);
    assertThat(Files.readString(logs.resolve("metrics_data.csv")))
        .isEqualTo(Files.readString(output));
  }

  @Test
  @DisplayName("JSON output has typed values, explanations, and no NaN")
  void jsonOutput() throws Exception {
    Path output = dir.resolve("r.json");
    assertThat(run("--csv-file", goodFile("m.csv").toString(), "--output-file", output.toString()))
        .isZero();
    JsonNode doc = new ObjectMapper().readTree(output.toFile());
    assertThat(doc.get("schema_version").asInt()).isEqualTo(3);
    JsonNode rows = doc.get("rows");
    assertThat(rows).hasSize(61);
    JsonNode spike = rows.get(60);
    assertThat(spike.get("is_anomaly").asBoolean()).isTrue();
    assertThat(spike.get("cpu_percent").isNumber()).isTrue();
    assertThat(spike.get("timestamp").asText()).isEqualTo("2025-01-01 01:00:00");
    assertThat(spike.get("reason").asText()).contains("High CPU usage detected");
    assertThat(spike.get("contributions").get("cpu_percent").asDouble()).isPositive();
    assertThat(rows.get(0).get("is_anomaly").asBoolean()).isFalse();
    assertThat(rows.get(0).get("incident_id").isNull()).isTrue();
    // the spike is one incident, counted in the summary, its rows carrying its id
    long id = spike.get("incident_id").asLong();
    JsonNode incidents = doc.get("incidents");
    assertThat(incidents).hasSize(doc.get("summary").get("incidents").asInt());
    assertThat(incidents)
        .anySatisfy(
            inc -> {
              assertThat(inc.get("id").asLong()).isEqualTo(id);
              assertThat(inc.get("first_row").asLong()).isLessThanOrEqualTo(60);
              assertThat(inc.get("last_row").asLong()).isGreaterThanOrEqualTo(60);
              assertThat(inc.get("reason").asText()).contains("High CPU usage detected");
              assertThat(inc.get("contributions").get("cpu_percent").asDouble()).isPositive();
            });
    assertThat(doc.get("summary").get("anomalies").asLong()).isPositive();
    assertThat(Files.readString(output)).doesNotContain("NaN");
  }

  @Test
  @DisplayName("any numeric columns work (timestamp,value), with epoch-second timestamps")
  void genericColumns() throws Exception {
    StringBuilder sb = new StringBuilder("timestamp,value\n");
    for (int i = 0; i < 100; i++) {
      sb.append(1_700_000_000 + i * 60).append(',').append(i == 70 ? 500 : 10 + i % 4).append('\n');
    }
    assertThat(run("--csv-file", write("v.csv", sb.toString()).toString())).isZero();
    assertThat(cli.out()).contains("Features: value").contains("Anomalies detected: 1\n");
    assertThat(Files.readAllLines(logs.resolve("metrics_data.csv")).get(71))
        .contains(",true,")
        .contains("value far above its usual 11.5");
  }

  @Test
  @DisplayName("--train-file fits on one file and scores another")
  void trainFile() throws Exception {
    Path train = goodFile("train.csv");
    Path score =
        write(
            "score.csv",
            HEADER + "\n2025-02-01 00:00:00,11.5,41.25\n2025-02-01 00:01:00,98.0,96.0\n");
    assertThat(run("--csv-file", score.toString(), "--train-file", train.toString())).isZero();
    List<String> rows = Files.readAllLines(logs.resolve("metrics_data.csv"));
    assertThat(rows).hasSize(3);
    assertThat(rows.get(1)).contains(",false,");
    assertThat(rows.get(2)).contains(",true,");
  }

  @Test
  @DisplayName(
      "each analysis is recorded in the history with its own id, name, hash and flagged rows")
  void history() throws Exception {
    Path file = goodFile("same.csv");
    assertThat(run("--csv-file", file.toString())).isZero();
    assertThat(run("--csv-file", file.toString(), "--contamination", "0.1")).isZero();
    try (AnalysisHistory history = AnalysisHistory.open(logs.resolve("anomaly_history.db"))) {
      List<Map<String, Object>> analyses = history.analyses(10);
      assertThat(analyses).hasSize(2);
      assertThat(analyses.get(0).get("id")).isNotEqualTo(analyses.get(1).get("id"));
      assertThat(analyses.get(0).get("file_name")).isEqualTo(file.toString());
      assertThat(analyses.get(0).get("sha256")).isEqualTo(analyses.get(1).get("sha256"));
      assertThat((String) analyses.get(0).get("sha256")).hasSize(64);
      assertThat(((Number) analyses.get(0).get("rows")).longValue()).isEqualTo(61);
      assertThat((String) analyses.get(0).get("settings")).contains("\"contamination\":0.1");
      long id = ((Number) analyses.get(0).get("id")).longValue();
      List<Map<String, Object>> flagged = history.flaggedRows(id, 100);
      assertThat(flagged).isNotEmpty();
      assertThat(flagged.get(0).get("timestamp")).isEqualTo("2025-01-01 01:00:00");
      assertThat((String) flagged.get(0).get("reason")).contains("High CPU usage detected");
    }
  }

  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of("empty file", "", "is empty"),
        Arguments.of("header only", HEADER + "\n", "no data rows"),
        Arguments.of(
            "text in a number column",
            HEADER + "\n2025-01-01 00:00:00,1,2\n2025-01-01 00:01:00,abc,1\n",
            "line 3, column 'cpu_percent': 'abc' is not a number"),
        Arguments.of(
            "text in a known metric's first row",
            HEADER + "\n2025-01-01 00:00:00,abc,1\n",
            "line 2, column 'cpu_percent': 'abc' is not a number"),
        Arguments.of(
            "NaN cell",
            HEADER + "\n2025-01-01 00:00:00,1,2\n2025-01-01 00:01:00,NaN,2\n",
            "line 3, column 'cpu_percent'"),
        Arguments.of(
            "empty cell",
            HEADER + "\n2025-01-01 00:00:00,1,2\n2025-01-01 00:01:00,,2\n",
            "line 3, column 'cpu_percent': empty value"),
        Arguments.of(
            "wrong delimiter",
            "timestamp;cpu_percent\n2025-01-01 00:00:00;1\n",
            "';' as delimiter"),
        Arguments.of(
            "unterminated quote",
            HEADER + "\n2025-01-01 00:00:00,1,2\n\"2025-01-01 00:01:00,1,2\n",
            "unterminated quote"),
        Arguments.of(
            "duplicate header",
            "timestamp,cpu,cpu\n2025-01-01 00:00:00,1,2\n",
            "column 'cpu': column name appears twice"),
        Arguments.of(
            "ragged row",
            HEADER + "\n2025-01-01 00:00:00,1,2\n2025-01-01 00:01:00,1\n",
            "line 3: row has 2 fields but the header has 3"),
        Arguments.of(
            "unparseable time",
            HEADER + "\n2025-01-01 00:00:00,1,2\nyesterday,1,2\n",
            "line 3, column 'timestamp': not a timestamp"),
        Arguments.of(
            "no numeric column",
            "timestamp,host\n2025-01-01 00:00:00,web-1\n",
            "no numeric column"),
        Arguments.of("no timestamp column", "time,cpu\n1,2\n", "no 'timestamp' column"),
        Arguments.of(
            "invalid date",
            HEADER + "\n2025-01-01 00:00:00,1,2\n2025-02-30 00:00:00,1,2\n",
            "line 3, column 'timestamp'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  @DisplayName(
      "bad input data: exit 3, one line naming the problem, no stack trace, no output file")
  void badInput(String what, String content, String expected) throws Exception {
    Path input = write("bad.csv", content);
    Path output = dir.resolve("out.csv");
    assertThat(run("--csv-file", input.toString(), "--output-file", output.toString()))
        .as(what)
        .isEqualTo(3);
    assertThat(err())
        .startsWith("error: " + input)
        .contains(expected)
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(err().strip().lines()).hasSize(1);
    assertThat(output).doesNotExist();
    assertThat(logs.resolve("metrics_data.csv")).doesNotExist();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  /** A small file of {@code columns} numeric columns besides the timestamp, three rows. */
  private Path wideFile(String name, int columns) throws Exception {
    StringBuilder sb = new StringBuilder("timestamp");
    for (int c = 0; c < columns; c++) {
      sb.append(",m").append(c);
    }
    sb.append('\n');
    for (int r = 0; r < 3; r++) {
      sb.append("2025-01-01 00:00:0").append(r);
      for (int c = 0; c < columns; c++) {
        sb.append(",1");
      }
      sb.append('\n');
    }
    return Files.writeString(dir.resolve(name), sb);
  }

  @Test
  @DisplayName("a very wide file is refused as input data with the limit, before it costs memory")
  void wideFiles() throws Exception {
    assertThat(run("--csv-file", wideFile("w40k.csv", 40_000).toString())).isEqualTo(3);
    assertThat(err()).contains("header has 40001 columns; at most 4096");
    assertThat(run("--csv-file", wideFile("w100k.csv", 100_000).toString())).isEqualTo(3);
    assertThat(err()).contains("header has 100001 columns");
    Path wide = wideFile("w300.csv", 300);
    assertThat(run("--csv-file", wide.toString())).isEqualTo(3);
    assertThat(err()).contains("has 300 numeric columns; at most 256").contains("--features");
    // choosing the columns is the way through
    assertThat(run("--csv-file", wide.toString(), "--features", "m1,m2,m299")).isZero();
  }

  @Test
  @DisplayName("a symlink loop, a pipe and UTF-16 text are each refused with what they are")
  void oddFiles() throws Exception {
    Path loop = dir.resolve("loop.csv");
    Files.createSymbolicLink(loop, loop);
    assertThat(run("--csv-file", loop.toString())).isEqualTo(3);
    assertThat(err()).contains("symbolic link that leads nowhere");
    Path fifo = dir.resolve("pipe.csv");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    assertThat(run("--csv-file", fifo.toString())).isEqualTo(3);
    assertThat(err()).contains("not a regular file");
    byte[] text =
        "timestamp,cpu_percent\n2025-01-01 00:00:00,1\n".getBytes(StandardCharsets.UTF_16LE);
    byte[] utf16 = new byte[text.length + 2];
    utf16[0] = (byte) 0xFF;
    utf16[1] = (byte) 0xFE;
    System.arraycopy(text, 0, utf16, 2, text.length);
    assertThat(run("--csv-file", Files.write(dir.resolve("u16.csv"), utf16).toString()))
        .isEqualTo(3);
    assertThat(err()).contains("UTF-16");
  }

  @Test
  @DisplayName("binary garbage and a missing file are refused as input data")
  void binaryAndMissing() throws Exception {
    Path binary =
        Files.write(
            dir.resolve("bin.csv"), new byte[] {0x50, 0x4b, 0x03, 0x04, 0, 0, 0x14, 0, 1, 2});
    assertThat(run("--csv-file", binary.toString())).isEqualTo(3);
    assertThat(err()).contains("binary");
    assertThat(run("--csv-file", dir.resolve("nope.csv").toString())).isEqualTo(3);
    assertThat(err()).contains("nope.csv").contains("does not exist");
  }

  @Test
  @DisplayName(
      "usage errors exit 2: contamination outside detect.contamination's range, bad window, unknown option, bad output name")
  void usageErrors() throws Exception {
    String file = goodFile("ok.csv").toString();
    assertThat(run("--csv-file", file, "--contamination", "0.7")).isEqualTo(2);
    assertThat(err()).contains("--contamination must be a number from 0.0001 to 0.5");
    assertThat(run("--csv-file", file, "--contamination", "0")).isEqualTo(2);
    assertThat(run("--csv-file", file, "--contamination", "0.00005")).isEqualTo(2);
    // the range is the config's: its bounds pass here as they do in conf/config.json
    assertThat(run("--csv-file", file, "--contamination", "0.0001")).isZero();
    assertThat(run("--csv-file", file, "--contamination", "0.5")).isZero();
    assertThat(run("--csv-file", file, "--sensitivity", "10.5")).isEqualTo(2);
    assertThat(err()).contains("--sensitivity must be a number from 0.1 to 10");
    assertThat(run("--csv-file", file, "--contamination", "x")).isEqualTo(2);
    assertThat(run("--csv-file", file, "--window-size", "1")).isEqualTo(2);
    assertThat(run("--csv-file", file, "--frobnicate", "1")).isEqualTo(2);
    assertThat(run("--csv-file", file, "--output-file", dir.resolve("r.txt").toString()))
        .isEqualTo(2);
    assertThat(err()).contains(".csv or .json");
    assertThat(run("--csv-file", file, "--features", "cpu_percent,nope")).isEqualTo(3);
    assertThat(err()).contains("'nope'");
    assertThat(run("--csv-file")).isEqualTo(2);
  }

  @Test
  @DisplayName(
      "--window-size scores against a rolling baseline and --features restricts the columns")
  void windowAndFeatures() throws Exception {
    assertThat(
            run(
                "--csv-file",
                goodFile("w.csv").toString(),
                "--window-size",
                "20",
                "--features",
                "cpu_percent"))
        .isZero();
    assertThat(cli.out()).contains("Features: cpu_percent\n");
    List<String> rows = Files.readAllLines(logs.resolve("metrics_data.csv"));
    assertThat(rows.get(61)).contains(",true,");
  }

  @Test
  @DisplayName(
      "an --output-file or logs directory that cannot be written is refused before the analysis"
          + " runs, with the reason (sysfs takes no new files, not even from root)")
  void unwritableDirectoriesRefusedEarly() {
    assertThat(run("--csv-file", SEED.toString(), "--output-file", "/sys/out.csv")).isEqualTo(2);
    assertThat(err()).startsWith("error: --output-file cannot be written in /sys: ");
    assertThat(logs.resolve("metrics_data.csv")).as("no analysis ran").doesNotExist();

    BatchCli readOnlyLogs = new BatchCli(Path.of("/sys/mad-logs"));
    assertThat(readOnlyLogs.run("--csv-file", SEED.toString())).isEqualTo(2);
    assertThat(readOnlyLogs.err())
        .startsWith("error: the logs directory cannot be written (/sys/mad-logs: ")
        .doesNotContain("Exception");
  }
}
