package dev.mad.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.analysis.AnalysisHistory;
import dev.mad.cli.BatchCli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parallel engine on files long enough to be cut into parts: the cuts must never change what
 * a user gets (rows, flags, byte-faithful copies, line numbers in errors, the file's hash).
 */
class BatchEngineTest {
  private static final String HEADER = "timestamp,cpu_percent,memory_percent,note";

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

  /**
   * About 4 MiB of rows (so the validating pass cuts it into parts on any machine with 2+ cores), with
   * CRLF line ends, blank lines, quoted notes holding commas, quotes and line breaks, non-ASCII text,
   * and a CPU spike every 5000 rows.
   */
  private static String longFile(int rows, String lineEnd) {
    StringBuilder sb = new StringBuilder(HEADER).append(lineEnd);
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < rows; i++) {
      boolean spike = i % 5000 == 4999;
      String note =
          switch (i % 7) {
            case 0 -> "\"line one" + lineEnd + "line two, with a comma\"";
            case 1 -> "\"she said \"\"fine\"\"\"";
            case 2 -> "café ☕";
            default -> "ok";
          };
      sb.append(
              String.format(
                  Locale.ROOT,
                  "2025-03-%02d %02d:%02d:%02d,%.2f,%.2f,%s",
                  1 + i / 86_400,
                  i / 3600 % 24,
                  i / 60 % 60,
                  i % 60,
                  spike ? 99.0 : 20 + random.nextDouble() * 5,
                  50 + random.nextDouble() * 2,
                  note))
          .append(lineEnd);
      if (i % 1000 == 0) {
        sb.append(lineEnd);
      }
    }
    return sb.toString();
  }

  @Test
  @DisplayName(
      "a long file read in parts: every row once, records copied byte for byte, spikes flagged, right hash")
  void partsGiveTheSameRows() throws Exception {
    int rows = 80_000;
    String text = longFile(rows, "\r\n");
    Path input = Files.writeString(dir.resolve("long.csv"), text);
    assertThat(Files.size(input)).isGreaterThan(3L << 20);
    Path output = dir.resolve("out.csv");
    assertThat(run("--csv-file", input.toString(), "--output-file", output.toString())).isZero();
    assertThat(cli.out()).contains("Total records processed: " + rows + "\n");

    List<String> records = RawRecordsOf.records(text);
    List<String> results = RawRecordsOf.records(Files.readString(output));
    assertThat(results).hasSize(rows + 1);
    for (int i = 0; i < rows; i++) {
      String result = results.get(i + 1);
      // the input record is copied as it was (CRLF inside quotes included), then the result columns
      assertThat(result).startsWith(records.get(i + 1) + ",");
      boolean spike = i % 5000 == 4999;
      assertThat(result.substring(records.get(i + 1).length()))
          .as("row %d", i)
          .startsWith(spike ? ",true," : ",false,");
    }
    String sha =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(input)));
    try (var history = AnalysisHistory.open(logs.resolve("anomaly_history.db"))) {
      assertThat(history.analyses(1).get(0).get("sha256")).isEqualTo(sha);
    }
  }

  @Test
  @DisplayName(
      "an error far into a long file names its true line, counting blank lines and lines inside quotes")
  void errorLineInALaterPart() throws Exception {
    int rows = 60_000;
    String text = longFile(rows, "\n");
    List<String> lines = text.lines().toList();
    int bad = lines.size() - 10;
    while (!lines.get(bad - 1).startsWith("2025")
        || !lines.get(bad).startsWith("2025")
        || lines.get(bad).split(",").length != 4) {
      bad--;
    }
    StringBuilder broken = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      broken
          .append(i == bad ? lines.get(i).replaceFirst(",[0-9.]+,", ",abc,") : lines.get(i))
          .append('\n');
    }
    Path input = Files.writeString(dir.resolve("bad.csv"), broken.toString());
    assertThat(run("--csv-file", input.toString())).isEqualTo(3);
    assertThat(cli.err())
        .contains("line " + (bad + 1) + ", column 'cpu_percent': 'abc' is not a number");
  }

  @Test
  @DisplayName(
      "a cut that falls inside a quoted field spanning many lines is read again from the record's start")
  void cutInsideAQuotedField() throws Exception {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    int before = 30_000;
    for (int i = 0; i < before; i++) {
      sb.append("2025-03-01 00:00:00,").append(20 + i % 5).append(",50,ok\n");
    }
    // About 1 MiB of quoted text with a line break every 16 bytes, straddling the middle of the
    // file.
    StringBuilder note = new StringBuilder("\"");
    while (note.length() < 1 << 20) {
      note.append("fifteen, chars\n");
    }
    note.append('"');
    sb.append("2025-03-01 00:00:01,21,50,").append(note).append('\n');
    for (int i = 0; i < before; i++) {
      sb.append("2025-03-01 00:00:02,").append(20 + i % 5).append(",50,ok\n");
    }
    sb.append("2025-03-01 00:00:03,x,50,ok\n");
    String text = sb.toString();
    long bigStart = text.indexOf("2025-03-01 00:00:01");
    assertThat(bigStart).isLessThan(text.length() / 2).isGreaterThan(text.length() / 2 - (1 << 20));
    Path input = Files.writeString(dir.resolve("cut.csv"), text);
    // The bad cell on the last line is reported with its true line: the big record's line breaks
    // are counted.
    long lastLine = text.lines().count();
    assertThat(run("--csv-file", input.toString())).isEqualTo(3);
    assertThat(cli.err()).contains("line " + lastLine + ", column 'cpu_percent'");

    Files.writeString(input, text.substring(0, text.lastIndexOf("2025-03-01 00:00:03")));
    Path output = dir.resolve("cut-out.csv");
    assertThat(run("--csv-file", input.toString(), "--output-file", output.toString())).isZero();
    assertThat(cli.out()).contains("Total records processed: " + (2 * before + 1) + "\n");
    List<String> results = RawRecordsOf.records(Files.readString(output));
    assertThat(results).hasSize(2 * before + 2);
    assertThat(results.get(before + 1)).startsWith("2025-03-01 00:00:01,21,50," + note + ",");
    assertThat(results.get(before + 2)).startsWith("2025-03-01 00:00:02,20,50,ok,");
  }

  @Test
  @DisplayName(
      "bytes that are not UTF-8 are refused with their line, near the start or deep in a file")
  void notUtf8() throws Exception {
    assertThat(notUtf8At(1)).contains("line 3: is not UTF-8 text");
    assertThat(notUtf8At(3000)).contains("line 3002: is not UTF-8 text");
    byte[] header = {'t', 'i', 'm', 'e', 's', 't', 'a', 'm', 'p', ',', 'c', (byte) 0xFF, '\n'};
    byte[] rows = "2025-01-01 00:00:00,1\n2025-01-01 00:01:00,2\n".getBytes(StandardCharsets.UTF_8);
    byte[] all = Arrays.copyOf(header, header.length + rows.length);
    System.arraycopy(rows, 0, all, header.length, rows.length);
    assertThat(run("--csv-file", Files.write(dir.resolve("h.csv"), all).toString())).isEqualTo(3);
    assertThat(cli.err()).contains("line 1: is not UTF-8 text");
  }

  /** Analyses a file whose row after {@code goodRows} good ones holds a malformed UTF-8 sequence; returns stderr. */
  private String notUtf8At(int goodRows) throws Exception {
    StringBuilder good = new StringBuilder(HEADER).append('\n');
    for (int i = 0; i < goodRows; i++) {
      good.append("2025-01-01 00:00:00,1,2,ok\n");
    }
    byte[] head =
        good.append("2025-01-01 00:01:00,1,2,").toString().getBytes(StandardCharsets.UTF_8);
    byte[] all = Arrays.copyOf(head, head.length + 3);
    all[head.length] = (byte) 0xC3;
    all[head.length + 1] = (byte) 0x28;
    all[head.length + 2] = '\n';
    Path input = Files.write(dir.resolve("latin.csv"), all);
    assertThat(run("--csv-file", input.toString())).isEqualTo(3);
    return cli.err();
  }

  /** Splits CSV text into records (line ends inside quotes kept), for comparing input and output. */
  private static final class RawRecordsOf {
    static List<String> records(String text) {
      List<String> records = new ArrayList<>();
      StringBuilder record = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '"') {
          quoted = !quoted;
        }
        if (!quoted && (c == '\n' || c == '\r')) {
          if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
            i++;
          }
          if (record.length() > 0) {
            records.add(record.toString());
          }
          record.setLength(0);
        } else {
          record.append(c);
        }
      }
      if (record.length() > 0) {
        records.add(record.toString());
      }
      return records;
    }
  }
}
