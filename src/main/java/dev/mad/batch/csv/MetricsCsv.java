package dev.mad.batch.csv;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The start of a metrics file: checks that it is a readable, non-empty text file with a usable
 * header, then hands out data records with their line numbers (the analysis reads only the first
 * one here, to see which columns are numeric; the validating pass reads the rest from the bytes).
 * Every problem becomes an {@link InputDataException} naming file, line and column. Bytes that
 * are not UTF-8 are decoded as U+FFFD here and reported with their line by the validating pass.
 */
public final class MetricsCsv implements AutoCloseable {
  /**
   * Columns a file may have at most. Each row of a file is held in memory as it is read, and a very
   * wide file (40,000 columns in a 500 KB upload) would otherwise cost gigabytes.
   */
  public static final int MAX_COLUMNS = 4096;

  static final String TIMESTAMP = "timestamp";
  private static final int SNIFF_BYTES = 8192;

  private final String name;
  private final FileChannel channel;
  private final Rfc4180.Scanner records;
  private final List<String> header;

  private MetricsCsv(
      String name, FileChannel channel, Rfc4180.Scanner records, List<String> header) {
    this.name = name;
    this.channel = channel;
    this.records = records;
    this.header = header;
  }

  /**
   * Opens {@code file} and reads its header.
   *
   * @param name the name to show in messages (the user's original file name for uploads)
   */
  public static MetricsCsv open(Path file, String name) throws InputDataException, IOException {
    if (!Files.exists(file)) {
      throw InputDataException.at(
          name,
          0,
          null,
          Files.isSymbolicLink(file)
              ? "is a symbolic link that leads nowhere (a missing target or a loop)"
              : "file does not exist");
    }
    if (Files.isDirectory(file)) {
      throw InputDataException.at(name, 0, null, "is a directory, not a CSV file");
    }
    if (!Files.isRegularFile(file)) {
      throw InputDataException.at(
          name, 0, null, "is not a regular file (a pipe or a device?); give a CSV file");
    }
    if (!Files.isReadable(file)) {
      throw InputDataException.at(name, 0, null, "file is not readable");
    }
    if (Files.size(file) == 0) {
      throw InputDataException.at(
          name, 0, null, "file is empty; expected a header line and data rows");
    }
    sniffForBinary(file, name);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    boolean opened = false;
    try {
      Rfc4180.Scanner records =
          new Rfc4180.Scanner(channel, 0, Long.MAX_VALUE, 1 << 16).replacingMalformedUtf8();
      if (!records.next()) {
        throw InputDataException.at(name, 0, null, "file has no header line");
      }
      // counted before the fields become strings: a 40,000-column header is refused cheaply
      checkColumnCount(name, records.fieldCount());
      List<String> header = checkHeader(name, records.fields());
      MetricsCsv csv = new MetricsCsv(name, channel, records, header);
      opened = true;
      return csv;
    } catch (Rfc4180.FormatException e) {
      throw InputDataException.at(name, e.line, null, e.getMessage());
    } finally {
      if (!opened) {
        channel.close();
      }
    }
  }

  private static void sniffForBinary(Path file, String name)
      throws IOException, InputDataException {
    byte[] head = new byte[SNIFF_BYTES];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (n >= 2
        && ((head[0] == (byte) 0xFF && head[1] == (byte) 0xFE)
            || (head[0] == (byte) 0xFE && head[1] == (byte) 0xFF))) {
      throw InputDataException.at(
          name, 0, null, "is UTF-16 text; save it as UTF-8 (or plain ASCII) CSV");
    }
    int control = 0;
    for (int i = 0; i < n; i++) {
      int b = head[i] & 0xff;
      if (b == 0) {
        throw InputDataException.at(
            name, 0, null, "looks like a binary file (it contains NUL bytes), not CSV text");
      }
      if (b < 0x09 || (b > 0x0d && b < 0x20)) {
        control++;
      }
    }
    if (control > n / 20) {
      throw InputDataException.at(name, 0, null, "looks like a binary file, not CSV text");
    }
  }

  private static void checkColumnCount(String name, int columns) throws InputDataException {
    if (columns > MAX_COLUMNS) {
      throw InputDataException.at(
          name,
          1,
          null,
          "header has "
              + columns
              + " columns; at most "
              + MAX_COLUMNS
              + " are accepted (a metrics file has a timestamp and a few hundred metrics at most)");
    }
  }

  private static List<String> checkHeader(String name, List<String> record)
      throws InputDataException {
    checkColumnCount(name, record.size());
    List<String> header = new ArrayList<>(record.size());
    Set<String> seen = new HashSet<>();
    for (String raw : record) {
      String column = raw.strip();
      if (header.isEmpty() && column.startsWith("\uFEFF")) {
        column = column.substring(1);
      }
      if (column.isEmpty()) {
        throw InputDataException.at(
            name, 1, null, "header has an empty column name (column " + (header.size() + 1) + ")");
      }
      if (!seen.add(column.toLowerCase(Locale.ROOT))) {
        throw InputDataException.at(name, 1, column, "column name appears twice in the header");
      }
      header.add(column);
    }
    if (header.size() == 1) {
      String only = header.get(0);
      for (String delimiter : List.of(";", "\t", "|")) {
        if (only.contains(delimiter)) {
          throw InputDataException.at(
              name,
              1,
              null,
              "header is a single column '"
                  + shorten(only)
                  + "'; the file seems to use '"
                  + (delimiter.equals("\t") ? "\\t" : delimiter)
                  + "' as delimiter, but only comma-separated files are supported");
        }
      }
    }
    if (header.stream().noneMatch(c -> c.equalsIgnoreCase(TIMESTAMP))) {
      throw InputDataException.at(
          name,
          1,
          null,
          "header has no 'timestamp' column (columns: " + shorten(String.join(",", header)) + ")");
    }
    return header;
  }

  public List<String> header() {
    return header;
  }

  public String name() {
    return name;
  }

  /** Advances to the next data record; false at the end of the file. */
  public boolean next() throws InputDataException, IOException {
    try {
      if (!records.next()) {
        return false;
      }
    } catch (Rfc4180.FormatException e) {
      throw InputDataException.at(name, e.line, null, e.getMessage());
    }
    int size = records.fieldCount();
    if (size != header.size()) {
      throw InputDataException.at(
          name, line(), null, "row has " + size + " fields but the header has " + header.size());
    }
    return true;
  }

  public String cell(int column) {
    return records.text(column);
  }

  /** Line on which the current record starts (1 = header). */
  public long line() {
    return records.recordLine();
  }

  public static String shorten(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "…" : s;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
