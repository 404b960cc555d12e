package dev.mad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TunedJvmTest {
  private static final String JAVA = "/usr/lib/jvm/x/bin/java";
  private static final String JAR = "target/server.jar";

  @TempDir Path dir;

  @Test
  @DisplayName(
      "a small file is analysed in a child JVM with C1 only, the user's JVM options after ours")
  void smallFileForks() throws Exception {
    Path csv = Files.writeString(dir.resolve("m.csv"), "timestamp,value\n1700000000,1\n");
    String[] args = {"--csv-file", csv.toString(), "--output-file", "o.csv"};
    List<String> command =
        TunedJvm.command(args, Map.of(), JAVA, JAR, List.of("-Xmx64m"), false).orElseThrow();
    assertThat(command)
        .containsExactly(
            JAVA,
            "-XX:TieredStopAtLevel=1",
            "-Xmx64m",
            "-Dmad.batch.child=true",
            "-Dmad.jit=c1",
            "-cp",
            JAR,
            "dev.mad.Main",
            "--csv-file",
            csv.toString(),
            "--output-file",
            "o.csv");
  }

  @Test
  @DisplayName(
      "no child for long files, in the child itself, when disabled, chosen by the user, or without a jar")
  void staysInThisJvm() throws Exception {
    Path small = Files.writeString(dir.resolve("m.csv"), "timestamp,value\n1700000000,1\n");
    Path large = dir.resolve("large.csv");
    try (RandomAccessFile f = new RandomAccessFile(large.toFile(), "rw")) {
      f.setLength(TunedJvm.C1_ONLY_MAX_BYTES + 1); // sparse: no real disk used
    }
    String[] smallArgs = {"--csv-file", small.toString()};
    assertThat(
            TunedJvm.command(
                new String[] {"--csv-file", large.toString()},
                Map.of(),
                JAVA,
                JAR,
                List.of(),
                false))
        .isEmpty();
    assertThat(TunedJvm.command(smallArgs, Map.of(), JAVA, JAR, List.of(), true)).isEmpty();
    assertThat(
            TunedJvm.command(smallArgs, Map.of("MAD_BATCH_FORK", "0"), JAVA, JAR, List.of(), false))
        .isEmpty();
    assertThat(
            TunedJvm.command(
                smallArgs, Map.of(), JAVA, JAR, List.of("-XX:TieredStopAtLevel=4"), false))
        .isEmpty();
    assertThat(TunedJvm.command(smallArgs, Map.of(), JAVA, "a.jar:b.jar", List.of(), false))
        .isEmpty();
    assertThat(TunedJvm.command(smallArgs, Map.of(), JAVA, "target/classes", List.of(), false))
        .isEmpty();
    assertThat(
            TunedJvm.command(
                new String[] {"--csv-file", dir.resolve("missing.csv").toString()},
                Map.of(),
                JAVA,
                JAR,
                List.of(),
                false))
        .as("a missing file is reported by this JVM")
        .isEmpty();
  }
}
