package dev.mad.batch;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The data records of a CSV file as their raw text, in order, without splitting them into
 * fields: the scoring pass copies each record to the output verbatim and appends the results,
 * which is both faster and byte-faithful. Blank lines are skipped as the parser skips them; a
 * quoted field may span lines. Only used on a file the first pass has already validated.
 */
final class RawRecords implements AutoCloseable {
  private final BufferedReader in;
  private final StringBuilder record = new StringBuilder(256);

  RawRecords(Path file) throws IOException {
    this.in = new BufferedReader(Files.newBufferedReader(file, StandardCharsets.UTF_8), 1 << 16);
    next(); // the header
  }

  /** The next record's text (lines joined with \n, no line terminator), or null at the end. */
  String next() throws IOException {
    record.setLength(0);
    boolean inQuotes = false;
    String line;
    while ((line = in.readLine()) != null) {
      if (!inQuotes && record.length() == 0 && line.isEmpty()) {
        continue;
      }
      if (record.length() > 0) {
        record.append('\n');
      }
      record.append(line);
      for (int i = 0; i < line.length(); i++) {
        if (line.charAt(i) == '"') {
          inQuotes = !inQuotes;
        }
      }
      if (!inQuotes) {
        return record.toString();
      }
    }
    return record.length() > 0 ? record.toString() : null;
  }

  /** RFC 4180 fields of one record (for the JSON output and the flagged rows' timestamps). */
  static List<String> split(String record) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < record.length(); i++) {
      char c = record.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < record.length() && record.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
