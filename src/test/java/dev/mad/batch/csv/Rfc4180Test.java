package dev.mad.batch.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one CSV grammar, read through every entry point: the file scanner (whole and in parts), MetricsCsv and the raw-record splitters. */
class Rfc4180Test {
  /** Every rule at once: quoted commas, quotes and line breaks, CRLF, LF and CR, blank lines, no final line end. */
  private static final String SAMPLE =
      "timestamp,note,\"cpu, percent\"\r\n"
          + "\r\n"
          + "2025-01-01 00:00:00,\"a, b\",1\n"
          + "2025-01-01 00:00:01,\"say \"\"hi\"\"\",2\r"
          + "2025-01-01 00:00:02,\"two\nlines\",3\n"
          + "\n\n"
          + "\"2025-01-01 00:00:03\",a\"b,\"4\"\r\n"
          + "2025-01-01 00:00:04,,5\n"
          + "2025-01-01 00:00:05,\"\",6\n"
          + "2025-01-01 00:00:06,\"crlf\r\ninside\",7\n"
          + "2025-01-01 00:00:07,café ✓,8";

  private static final List<Read> EXPECTED =
      List.of(
          new Read(1, List.of("timestamp", "note", "cpu, percent")),
          new Read(3, List.of("2025-01-01 00:00:00", "a, b", "1")),
          new Read(4, List.of("2025-01-01 00:00:01", "say \"hi\"", "2")),
          new Read(5, List.of("2025-01-01 00:00:02", "two\nlines", "3")),
          new Read(9, List.of("2025-01-01 00:00:03", "a\"b", "4")),
          new Read(10, List.of("2025-01-01 00:00:04", "", "5")),
          new Read(11, List.of("2025-01-01 00:00:05", "", "6")),
          new Read(12, List.of("2025-01-01 00:00:06", "crlf\r\ninside", "7")),
          new Read(14, List.of("2025-01-01 00:00:07", "café ✓", "8")));

  @TempDir Path dir;

  /** One record as an entry point gave it: the line it starts on and its fields. */
  private record Read(long line, List<String> fields) {}

  @Test
  @DisplayName(
      "the scanner reads quoted commas, quotes and line breaks, every line end, and skips blank lines")
  void scannerReadsEveryRule() throws Exception {
    Path file = write(SAMPLE);
    assertThat(scan(file, 1 << 16)).isEqualTo(EXPECTED);
    // a buffer smaller than any record: every record straddles refills and makes the buffer grow
    assertThat(scan(file, 4)).isEqualTo(EXPECTED);
  }

  @Test
  @DisplayName("the same record read through every entry point gives the same fields")
  void everyEntryPointAgrees() throws Exception {
    Path file = write(SAMPLE);
    byte[] bytes = Files.readAllBytes(file);

    List<Read> splitFromRaw = new ArrayList<>();
    List<Read> fieldByField = new ArrayList<>();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      Rfc4180.Scanner in = new Rfc4180.Scanner(channel, 0, Long.MAX_VALUE, 1 << 16);
      while (in.next()) {
        int at = (int) in.recordStart();
        int length = (int) (in.recordEnd() - in.recordStart());
        splitFromRaw.add(new Read(in.recordLine(), Rfc4180.fields(bytes, at, length)));
        List<String> one = new ArrayList<>();
        for (int i = 0; i < in.fieldCount(); i++) {
          one.add(Rfc4180.field(bytes, at, length, i));
        }
        fieldByField.add(new Read(in.recordLine(), one));
      }
    }
    assertThat(splitFromRaw).isEqualTo(EXPECTED);
    assertThat(fieldByField).isEqualTo(EXPECTED);

    List<Read> metrics = new ArrayList<>();
    try (MetricsCsv csv = MetricsCsv.open(file, "sample.csv")) {
      metrics.add(new Read(1, csv.header()));
      while (csv.next()) {
        List<String> cells = new ArrayList<>();
        for (int i = 0; i < csv.header().size(); i++) {
          cells.add(csv.cell(i));
        }
        metrics.add(new Read(csv.line(), cells));
      }
    }
    assertThat(metrics).isEqualTo(EXPECTED);

    // in two parts cut at every byte, as the validating pass reads a long file on several threads
    for (int cut = 0; cut <= bytes.length; cut++) {
      assertThat(scanInTwoParts(file, cut)).as("cut at byte %d", cut).isEqualTo(EXPECTED);
    }
  }

  @Test
  @DisplayName(
      "an unclosed quote is reported with the line its record starts on, through every entry point")
  void unclosedQuote() throws Exception {
    // the quoted line break before it counts, so the record with the open quote starts on line 5
    Path file = write("timestamp,x\n1,\"a\nb\"\n\n3,\"open\n4,5\n");
    assertThat(formatError(file))
        .isEqualTo("line 5: a quoted field is never closed (unterminated quote)");
    try (MetricsCsv csv = MetricsCsv.open(file, "open.csv")) {
      assertThat(csv.next()).isTrue();
      assertThat(csv.line()).isEqualTo(2);
      assertThatThrownBy(csv::next)
          .isInstanceOf(InputDataException.class)
          .hasMessage("open.csv, line 5: a quoted field is never closed (unterminated quote)");
    }
    Path header = write("timestamp,\"x\n1,2\n");
    assertThatThrownBy(() -> MetricsCsv.open(header, "h.csv"))
        .isInstanceOf(InputDataException.class)
        .hasMessage("h.csv, line 1: a quoted field is never closed (unterminated quote)");
    byte[] raw = "1,\"open".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Rfc4180.fields(raw, 0, raw.length))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("never closed");
  }

  @Test
  @DisplayName(
      "text after a closing quote is refused with its line; a quote inside an unquoted field is kept")
  void textAfterClosingQuote() throws Exception {
    Path file = write("timestamp,x\r\n1,2\r\n\r\n3,\"a\"b\r\n");
    assertThat(formatError(file))
        .isEqualTo("line 4: text after a closing quote; fields must be quoted whole");
    try (MetricsCsv csv = MetricsCsv.open(file, "junk.csv")) {
      assertThat(csv.next()).isTrue();
      assertThatThrownBy(csv::next)
          .isInstanceOf(InputDataException.class)
          .hasMessage("junk.csv, line 4: text after a closing quote; fields must be quoted whole");
    }
    assertThat(scan(write("a\"b,c\"\n"), 1 << 16))
        .containsExactly(new Read(1, List.of("a\"b", "c\"")));
  }

  @Test
  @DisplayName(
      "bytes that are not UTF-8 are refused with their line by the scanner, shown as U+FFFD by MetricsCsv")
  void notUtf8() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes("timestamp,x\n1,2\n\"3\",caf".getBytes(StandardCharsets.UTF_8));
    bytes.write(0xE9);
    bytes.writeBytes("\n".getBytes(StandardCharsets.UTF_8));
    Path file = Files.write(dir.resolve("latin.csv"), bytes.toByteArray());
    assertThat(formatError(file)).isEqualTo("line 3: is not UTF-8 text");
    try (MetricsCsv csv = MetricsCsv.open(file, "latin.csv")) {
      assertThat(csv.next()).isTrue();
      assertThat(csv.next()).isTrue();
      assertThat(csv.cell(1)).isEqualTo("caf\uFFFD");
    }
  }

  @Test
  @DisplayName("what escape writes, the scanner reads back as it was")
  void escapeRoundTrip() {
    List<String> fields =
        List.of(
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "a\"b",
            "two\nlines",
            "cr\ronly",
            "crlf\r\n",
            "\"",
            "café ✓");
    StringBuilder record = new StringBuilder();
    for (String f : fields) {
      record.append(record.length() > 0 ? "," : "").append(Rfc4180.escape(f));
    }
    byte[] raw = record.toString().getBytes(StandardCharsets.UTF_8);
    assertThat(Rfc4180.fields(raw, 0, raw.length)).isEqualTo(fields);
    assertThat(Rfc4180.escape("plain")).isEqualTo("plain");
    assertThat(Rfc4180.escape("a\"b")).isEqualTo("\"a\"\"b\"");
    assertThat(Rfc4180.escape("a,b")).isEqualTo("\"a,b\"");
  }

  private Path write(String text) throws IOException {
    return Files.writeString(
        Files.createTempFile(dir, "grammar", ".csv"), text, StandardCharsets.UTF_8);
  }

  private static List<Read> scan(Path file, int bufferBytes) throws Exception {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      List<Read> reads = new ArrayList<>();
      Rfc4180.Scanner in = new Rfc4180.Scanner(channel, 0, Long.MAX_VALUE, bufferBytes);
      while (in.next()) {
        reads.add(new Read(in.recordLine(), in.fields()));
      }
      return reads;
    }
  }

  /** Records starting before {@code cut}, then the rest from where the first part stopped, lines counted on. */
  private static List<Read> scanInTwoParts(Path file, long cut) throws Exception {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      List<Read> reads = new ArrayList<>();
      Rfc4180.Scanner first = new Rfc4180.Scanner(channel, 0, cut, 8);
      while (first.next()) {
        reads.add(new Read(first.recordLine(), first.fields()));
      }
      Rfc4180.Scanner rest = new Rfc4180.Scanner(channel, first.position(), Long.MAX_VALUE, 8);
      while (rest.next()) {
        reads.add(new Read(first.lines() + rest.recordLine(), rest.fields()));
      }
      return reads;
    }
  }

  /** The scanner's complaint about {@code file}, as "line N: message". */
  private static String formatError(Path file) throws Exception {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      Rfc4180.Scanner in = new Rfc4180.Scanner(channel, 0, Long.MAX_VALUE, 1 << 16);
      while (in.next()) {
        // the records before the bad one
      }
      return "no error";
    } catch (Rfc4180.FormatException e) {
      return "line " + e.line + ": " + e.getMessage();
    }
  }
}
