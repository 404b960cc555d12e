package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mad.bus.MetricSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
  private static final IsolationForestParams PARAMS = new IsolationForestParams(50, 64, 0.05, 42);
  private static final String PRINT = ModelFile.fingerprint(MetricSample.METRICS, PARAMS);

  @TempDir Path dir;

  private static DetectorModel model() {
    double[][] rows = AnomalyDetectorTest.quietHost(300, 3);
    return DetectorModel.train(rows, new double[8], PARAMS, 1_700_000_000_000L, Runnable::run);
  }

  @Test
  @DisplayName("a model read back scores every sample exactly as the one written")
  void roundTrip() throws Exception {
    DetectorModel m = model();
    Path file = ModelFile.of(dir, "web-1");
    ModelFile.write(file, "web-1", PRINT, m);
    assertThat(file.getParent().getFileName().toString()).isEqualTo("models");
    assertThat(Files.exists(file.resolveSibling(file.getFileName() + ".tmp"))).isFalse();
    DetectorModel back = ModelFile.read(file, "web-1", PRINT);
    assertThat(back.trainedAtMs()).isEqualTo(m.trainedAtMs());
    assertThat(back.trainingSamples()).isEqualTo(m.trainingSamples());
    assertThat(back.threshold()).isEqualTo(m.threshold());
    double[][] probe = AnomalyDetectorTest.quietHost(50, 99);
    probe[7] = probe[7].clone();
    probe[7][0] = 99;
    double[] a = new double[8];
    double[] b = new double[8];
    for (double[] row : probe) {
      assertThat(back.score(row, b)).isEqualTo(m.score(row, a));
      for (int f = 0; f < 8; f++) {
        assertThat(back.baseline().zScore(f, row[f])).isEqualTo(m.baseline().zScore(f, row[f]));
      }
    }
    assertThat(back.typicalZ()).isEqualTo(m.typicalZ());
  }

  @Test
  @DisplayName(
      "a damaged or cut file, another host's or another setting's model is refused, saying why")
  void refused() throws Exception {
    Path file = ModelFile.of(dir, "web-1");
    ModelFile.write(file, "web-1", PRINT, model());
    byte[] good = Files.readAllBytes(file);

    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 1;
    Files.write(file, flipped);
    assertThatThrownBy(() -> ModelFile.read(file, "web-1", PRINT)).hasMessageContaining("checksum");

    Files.write(file, Arrays.copyOf(good, good.length - 100));
    assertThatThrownBy(() -> ModelFile.read(file, "web-1", PRINT)).hasMessageContaining("checksum");

    Files.write(file, good);
    assertThatThrownBy(() -> ModelFile.read(file, "web-2", PRINT))
        .hasMessageContaining("host 'web-1'");
    String other =
        ModelFile.fingerprint(MetricSample.METRICS, new IsolationForestParams(100, 64, 0.05, 42));
    assertThatThrownBy(() -> ModelFile.read(file, "web-1", other))
        .hasMessageContaining("other settings");

    Files.writeString(file, "hello");
    assertThatThrownBy(() -> ModelFile.read(file, "web-1", PRINT))
        .isInstanceOf(ModelFile.Unusable.class);
    Path aside = ModelFile.setAside(file);
    assertThat(Files.exists(file)).isFalse();
    assertThat(aside.getFileName().toString()).contains(".unusable-");
  }

  @Test
  @DisplayName("host names that are not file names get a safe, distinct file")
  void fileNames() {
    Path a = ModelFile.of(dir, "../etc/passwd");
    Path b = ModelFile.of(dir, "..-etc-passwd");
    assertThat(a.getParent()).isEqualTo(dir.resolve("models"));
    assertThat(a.getFileName().toString()).doesNotContain("/").endsWith(".model");
    assertThat(a).isNotEqualTo(b);
  }
}
