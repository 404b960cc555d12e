package dev.mad.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mad.batch.csv.InputDataException;
import dev.mad.config.ConfigSchema;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uploads are analysed in a JVM of their own, whose memory is analysis.memory_mb. */
class ChildAnalysisTest {
  private static final Path SEED = Path.of("src/test/resources/fixtures/seed_sample_metrics2k.csv");

  /** The server's detect section at its defaults, as the analysis verticle passes it. */
  private static final JsonObject DETECT = ConfigSchema.section("detect", new JsonObject());

  @TempDir Path dir;

  private ChildAnalysis.Result run(Path input, int memoryMb, List<Process> started)
      throws Exception {
    return ChildAnalysis.run(
        input,
        input.getFileName().toString(),
        DETECT,
        dir.resolve("logs"),
        10,
        memoryMb,
        f -> {},
        started::add);
  }

  @Test
  @DisplayName(
      "the child analyses the upload, records it in the history and reports rows, anomalies and"
          + " progress")
  void analysesInAChild() throws Exception {
    List<Process> started = new ArrayList<>();
    List<Double> progress = new ArrayList<>();
    ChildAnalysis.Result r =
        ChildAnalysis.run(
            SEED, "seed.csv", DETECT, dir.resolve("logs"), 10, 256, progress::add, started::add);
    assertThat(started).hasSize(1);
    assertThat(started.get(0).pid()).isNotEqualTo(ProcessHandle.current().pid());
    assertThat(r.rows()).isEqualTo(2000);
    assertThat(r.anomalies()).isEqualTo(110); // the sample's labelled anomalies, all found
    assertThat(progress).isNotEmpty().allMatch(f -> f >= 0 && f <= 1);
    try (AnalysisHistory h = AnalysisHistory.open(dir.resolve("logs/anomaly_history.db"))) {
      assertThat(((Number) h.analyses(10).get(0).get("id")).longValue()).isEqualTo(r.analysisId());
    }
  }

  @Test
  @DisplayName("bad input comes back as bad input, with the message the analysis gave")
  void badInput() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.csv"), "timestamp,cpu\nyesterday,1\n");
    assertThatThrownBy(() -> run(bad, 128, new ArrayList<>()))
        .isInstanceOf(InputDataException.class)
        .hasMessageContaining("line 2, column 'timestamp': not a timestamp: 'yesterday'");
  }

  @Test
  @DisplayName(
      "an analysis that needs more than analysis.memory_mb fails saying so; this JVM is untouched")
  void memoryBudget() throws Exception {
    // 256 columns x 24,000 rows: the 20,000 training rows alone take 40 MB twice over
    Path wide = dir.resolve("wide.csv");
    SplittableRandom random = new SplittableRandom(7);
    try (BufferedWriter w = Files.newBufferedWriter(wide)) {
      w.write("timestamp");
      for (int c = 0; c < 256; c++) {
        w.write(",m" + c);
      }
      w.write('\n');
      for (int r = 0; r < 24_000; r++) {
        w.write(Long.toString(1_700_000_000L + r));
        for (int c = 0; c < 256; c++) {
          w.write(',');
          w.write(Integer.toString(random.nextInt(10_000)));
        }
        w.write('\n');
      }
    }
    assertThatThrownBy(() -> run(wide, 128, new ArrayList<>()))
        .hasMessage("the analysis needs more memory than analysis.memory_mb (128 MB) allows");
  }

  @Test
  @DisplayName("a child whose server is gone (its standard input closed) ends at once")
  void endsWithItsServer() throws Exception {
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ChildAnalysis.class.getName(),
                new JsonObject()
                    .put("input", SEED.toAbsolutePath().toString())
                    .put("name", "seed.csv")
                    .put("logs_dir", dir.resolve("logs").toString())
                    .put("keep_analyses", 10)
                    .put("detect", DETECT)
                    .encode())
            .start();
    child.getOutputStream().close();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the child ended").isTrue();
    assertThat(child.exitValue()).isEqualTo(1);
  }
}
