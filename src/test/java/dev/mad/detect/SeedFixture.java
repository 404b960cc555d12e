package dev.mad.detect;

import dev.mad.batch.csv.Rfc4180;
import dev.mad.bus.MetricSample;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

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
    List<String> metrics = MetricSample.METRICS;
    for (List<String> r : records(locate("seed_sample_metrics2k.csv"), metrics)) {
      double[] v = new double[metrics.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = Double.parseDouble(r.get(i));
      }
      rows.add(v);
    }
    boolean[] labels = new boolean[rows.size()];
    for (List<String> r :
        records(locate("seed_sample_metrics2k.labels.csv"), List.of("row_index", "label"))) {
      labels[Integer.parseInt(r.get(0))] = r.get(1).equals("1");
    }
    return new SeedFixture(rows.toArray(double[][]::new), labels);
  }

  /** The data records of {@code file}, each as the cells of {@code columns} (named in its header), read as the product reads CSV. */
  private static List<List<String>> records(Path file, List<String> columns) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      Rfc4180.Scanner in = new Rfc4180.Scanner(channel, 0, Long.MAX_VALUE, 1 << 16);
      if (!in.next()) {
        throw new IOException(file + " is empty");
      }
      List<String> header = in.fields();
      int[] index = new int[columns.size()];
      for (int i = 0; i < index.length; i++) {
        index[i] = header.indexOf(columns.get(i));
        if (index[i] < 0) {
          throw new IOException(file + " has no column '" + columns.get(i) + "'");
        }
      }
      List<List<String>> records = new ArrayList<>();
      while (in.next()) {
        List<String> cells = new ArrayList<>(index.length);
        for (int i : index) {
          cells.add(in.text(i));
        }
        records.add(cells);
      }
      return records;
    } catch (Rfc4180.FormatException e) {
      throw new IOException(file + ", line " + e.line + ": " + e.getMessage(), e);
    }
  }
}
