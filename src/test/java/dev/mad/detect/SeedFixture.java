package dev.mad.detect;

import dev.mad.bus.MetricSample;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/** The original project's labelled sample (../shared/fixtures), read for tests. */
final class SeedFixture {
  static final Path DIR = Path.of("..", "shared", "fixtures");

  final double[][] rows;
  final boolean[] labels;

  private SeedFixture(double[][] rows, boolean[] labels) {
    this.rows = rows;
    this.labels = labels;
  }

  static Path locate(String name) {
    Path inRepo = Path.of("src", "test", "resources", "fixtures", name);
    return Files.exists(inRepo) ? inRepo : DIR.resolve(name);
  }

  static SeedFixture load() throws IOException {
    List<double[]> rows = new ArrayList<>();
    CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
    try (Reader in = Files.newBufferedReader(locate("seed_sample_metrics2k.csv"))) {
      for (CSVRecord r : format.parse(in)) {
        double[] v = new double[MetricSample.METRICS.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = Double.parseDouble(r.get(MetricSample.METRICS.get(i)));
        }
        rows.add(v);
      }
    }
    boolean[] labels = new boolean[rows.size()];
    try (Reader in = Files.newBufferedReader(locate("seed_sample_metrics2k.labels.csv"))) {
      for (CSVRecord r : format.parse(in)) {
        labels[Integer.parseInt(r.get("row_index"))] = r.get("label").equals("1");
      }
    }
    return new SeedFixture(rows.toArray(double[][]::new), labels);
  }
}
