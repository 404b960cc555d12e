package dev.mad.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.process.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DataGenCommandTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  @DisplayName("writes the data set and its labels beside it, and prints one summary line")
  void writesBothFiles() throws IOException {
    Path output = dir.resolve("metrics.csv");

    int exit = run("--rows", "2000", "--output", output.toString());

    assertThat(exit).isZero();
    assertThat(err()).isEmpty();
    Path labels = dir.resolve("metrics.labels.csv");
    assertThat(Files.readAllLines(output))
        .hasSize(2001)
        .first()
        .isEqualTo(MetricsGenerator.METRICS_HEADER);
    assertThat(Files.readAllLines(labels))
        .hasSize(2001)
        .first()
        .isEqualTo(MetricsGenerator.LABELS_HEADER);
    long anomalous =
        Files.readAllLines(labels).stream().skip(1).filter(line -> line.contains(",1,")).count();
    assertThat(out().lines().toList())
        .singleElement()
        .asString()
        .startsWith("Wrote 2000 rows (" + anomalous + " anomalous, ")
        .contains(output.toString(), labels.toString());
    assertThat(listDir()).containsExactlyInAnyOrder("metrics.csv", "metrics.labels.csv");
  }

  @Test
  @DisplayName("seed, rate, interval and labels file options reach the generator")
  void optionsReachGenerator() throws IOException {
    Path output = dir.resolve("custom.csv");
    Path labels = dir.resolve("truth.csv");

    int exit =
        run(
            "--rows",
            "500",
            "--output",
            output.toString(),
            "--seed",
            "-17",
            "--anomaly-rate",
            "0.2",
            "--interval-seconds",
            "1.5",
            "--labels-file",
            labels.toString(),
            "--daily-jobs",
            "00:03,5,70");

    assertThat(exit).isZero();
    MetricsGeneratorTest.DataSet expected =
        MetricsGeneratorTest.generate(
            GeneratorSettings.of(-17, 0.2, Duration.ofMillis(1500))
                .withDailyJobs(DailyJob.parseAll("00:03,5,70")),
            500);
    assertThat(Files.readString(output)).isEqualTo(expected.metrics());
    assertThat(Files.readString(labels)).isEqualTo(expected.labels());
    assertThat(Files.readAllLines(output).get(2)).startsWith("2025-01-06 00:00:01.500000,");
    assertThat(listDir()).containsExactlyInAnyOrder("custom.csv", "truth.csv");
  }

  @Test
  @DisplayName("running twice with the same options gives byte-identical files")
  void reproducible() throws IOException {
    run("--rows", "3000", "--output", dir.resolve("a.csv").toString());
    run("--rows", "3000", "--output", dir.resolve("b.csv").toString());

    assertThat(Files.mismatch(dir.resolve("a.csv"), dir.resolve("b.csv"))).isEqualTo(-1);
    assertThat(Files.mismatch(dir.resolve("a.labels.csv"), dir.resolve("b.labels.csv")))
        .isEqualTo(-1);
  }

  @Test
  @DisplayName("options may also be written as --name=value")
  void equalsSyntax() {
    int exit = run("--rows=10", "--output=" + dir.resolve("eq.csv"), "--seed=3");

    assertThat(exit).isZero();
    assertThat(listDir()).containsExactlyInAnyOrder("eq.csv", "eq.labels.csv");
  }

  @Test
  @DisplayName("an existing data set is replaced whole and no temporary file is left behind")
  void replacesExistingFiles() throws IOException {
    Path output = dir.resolve("old.csv");
    Files.writeString(output, "stale\n");
    Files.writeString(dir.resolve("old.labels.csv"), "stale\n");

    int exit = run("--rows", "50", "--output", output.toString());

    assertThat(exit).isZero();
    assertThat(Files.readAllLines(output)).hasSize(51).doesNotContain("stale");
    assertThat(Files.readAllLines(dir.resolve("old.labels.csv")))
        .hasSize(51)
        .doesNotContain("stale");
    assertThat(listDir()).containsExactlyInAnyOrder("old.csv", "old.labels.csv");
  }

  @Test
  @DisplayName("--help prints the usage, naming every option, and exits 0")
  void help() {
    int exit = run("--rows", "5", "--help");

    assertThat(exit).isZero();
    assertThat(out()).isEqualTo(DataGenCommand.usage());
    assertThat(DataGenCommand.usage())
        .contains(
            "datagen",
            "--rows",
            "--output",
            "--seed",
            "--anomaly-rate",
            "--interval-seconds",
            "--labels-file",
            "--daily-jobs",
            "--help");
    assertThat(listDir()).isEmpty();
  }

  @Test
  @DisplayName("the default labels file replaces .csv with .labels.csv, or appends it")
  void defaultLabelsPath() {
    assertThat(DataGenCommand.defaultLabelsPath(Path.of("out", "run.csv")))
        .isEqualTo(Path.of("out", "run.labels.csv"));
    assertThat(DataGenCommand.defaultLabelsPath(Path.of("RUN.CSV")))
        .isEqualTo(Path.of("RUN.labels.csv"));
    assertThat(DataGenCommand.defaultLabelsPath(Path.of("data")))
        .isEqualTo(Path.of("data.labels.csv"));
  }

  static Stream<Arguments> badArguments() {
    return Stream.of(
        Arguments.of("--rows", List.of("--rows", "abc", "--output", "OUT")),
        Arguments.of("--rows", List.of("--rows", "0", "--output", "OUT")),
        Arguments.of("--rows", List.of("--rows", "-5", "--output", "OUT")),
        Arguments.of("--rows", List.of("--rows", "1.5", "--output", "OUT")),
        Arguments.of("--rows", List.of("--output", "OUT", "--rows")),
        Arguments.of("--rows", List.of("--rows", "--output", "OUT")),
        Arguments.of("--rows", List.of("--output", "OUT")),
        Arguments.of("--rows", List.of("--rows", "5", "--rows", "6", "--output", "OUT")),
        Arguments.of("--output", List.of("--rows", "10")),
        Arguments.of("--output", List.of("--rows", "10", "--output", "MISSING/out.csv")),
        Arguments.of("--output", List.of("--rows", "10", "--output", "DIR")),
        Arguments.of("--seed", List.of("--rows", "10", "--output", "OUT", "--seed", "forty-two")),
        Arguments.of("--seed", List.of("--rows", "10", "--output", "OUT", "--seed", "4.2")),
        Arguments.of(
            "--anomaly-rate", List.of("--rows", "10", "--output", "OUT", "--anomaly-rate", "0.6")),
        Arguments.of(
            "--anomaly-rate", List.of("--rows", "10", "--output", "OUT", "--anomaly-rate", "-0.1")),
        Arguments.of(
            "--anomaly-rate", List.of("--rows", "10", "--output", "OUT", "--anomaly-rate", "NaN")),
        Arguments.of(
            "--anomaly-rate", List.of("--rows", "10", "--output", "OUT", "--anomaly-rate", "lots")),
        Arguments.of(
            "--interval-seconds",
            List.of("--rows", "10", "--output", "OUT", "--interval-seconds", "0")),
        Arguments.of(
            "--interval-seconds",
            List.of("--rows", "10", "--output", "OUT", "--interval-seconds", "-60")),
        Arguments.of(
            "--interval-seconds",
            List.of("--rows", "10", "--output", "OUT", "--interval-seconds", "1m")),
        Arguments.of(
            "--interval-seconds",
            List.of("--rows", "100000", "--output", "OUT", "--interval-seconds", "100000000")),
        Arguments.of(
            "--labels-file",
            List.of("--rows", "10", "--output", "OUT", "--labels-file", "MISSING/l.csv")),
        Arguments.of(
            "--labels-file", List.of("--rows", "10", "--output", "OUT", "--labels-file", "OUT")),
        Arguments.of(
            "--frobnicate", List.of("--rows", "10", "--output", "OUT", "--frobnicate", "1")),
        Arguments.of(
            "--daily-jobs", List.of("--rows", "10", "--output", "OUT", "--daily-jobs", "06:00,10")),
        Arguments.of(
            "--daily-jobs",
            List.of("--rows", "10", "--output", "OUT", "--daily-jobs", "25:00,10,70")),
        Arguments.of(
            "--daily-jobs",
            List.of("--rows", "10", "--output", "OUT", "--daily-jobs", "06:00,0,70")),
        Arguments.of(
            "--daily-jobs",
            List.of("--rows", "10", "--output", "OUT", "--daily-jobs", "06:00,10,170")),
        Arguments.of("stray", List.of("--rows", "10", "--output", "OUT", "stray")));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badArguments")
  @DisplayName("a bad argument exits 2 with one line naming it and writes nothing")
  void badArgument(String named, List<String> template) throws IOException {
    Files.createDirectory(dir.resolve("sub"));
    List<String> args = new ArrayList<>();
    for (String arg : template) {
      args.add(
          arg.replace("MISSING", dir.resolve("missing").toString())
              .replace("OUT", dir.resolve("out.csv").toString())
              .replace("DIR", dir.resolve("sub").toString()));
    }

    int exit = run(args.toArray(String[]::new));

    assertThat(exit).isEqualTo(ExitCode.USAGE.code());
    assertThat(out()).isEmpty();
    assertThat(err().lines().toList())
        .singleElement()
        .asString()
        .startsWith("datagen: ")
        .contains(named);
    assertThat(listDir()).containsExactly("sub");
  }

  @Test
  @DisplayName(
      "an output path inside a regular file (not a directory) is refused before anything is written")
  void outputParentIsAFile() throws IOException {
    Path notADirectory = Files.writeString(dir.resolve("plain.txt"), "x");

    int exit = run("--rows", "10", "--output", notADirectory.resolve("out.csv").toString());

    assertThat(exit).isEqualTo(ExitCode.USAGE.code());
    assertThat(err()).contains("--output");
    assertThat(listDir()).containsExactly("plain.txt");
  }

  private int run(String... args) {
    return DataGenCommand.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private List<String> listDir() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(file -> file.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
