package dev.mad.batch.csv;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * A small RFC 4180 reader (comma, double quotes, CRLF or LF, quoted fields may hold commas,
 * quotes and line breaks; empty lines are skipped). Written for speed on long metric files:
 * it works on its own char buffer and makes one String per field, nothing else.
 */
public final class CsvRecordReader {
  /** A malformed record, with the line it starts on. */
  public static final class FormatException extends Exception {
    public final long line;

    FormatException(long line, String message) {
      super(message);
      this.line = line;
    }
  }

  private final Reader in;
  private final char[] buf = new char[1 << 16];
  private int pos;
  private int len;
  private long line = 1;
  private long recordLine;
  private final List<String> fields = new ArrayList<>(16);
  private final StringBuilder field = new StringBuilder(64);

  public CsvRecordReader(Reader in) {
    this.in = in;
  }

  /** The fields of the record read last (reused between calls). */
  public List<String> fields() {
    return fields;
  }

  /** 1-based line on which the record read last starts. */
  public long recordLine() {
    return recordLine;
  }

  private boolean fill() throws IOException {
    if (pos < len) {
      return true;
    }
    len = in.read(buf, 0, buf.length);
    pos = 0;
    if (len <= 0) {
      len = 0;
      return false;
    }
    return true;
  }

  /** Reads the next record; false at the end of the input. */
  public boolean next() throws IOException, FormatException {
    fields.clear();
    // Skip empty lines between records.
    while (true) {
      if (!fill()) {
        return false;
      }
      char c = buf[pos];
      if (c == '\n') {
        pos++;
        line++;
      } else if (c == '\r') {
        pos++;
        if (fill() && buf[pos] == '\n') {
          pos++;
        }
        line++;
      } else {
        break;
      }
    }
    recordLine = line;
    while (true) {
      int end = readField();
      if (end != ',') {
        return true;
      }
    }
  }

  /** Reads one field into {@link #fields}; returns the char that ended it (',' , '\n' or -1). */
  private int readField() throws IOException, FormatException {
    if (!fill()) {
      fields.add("");
      return -1;
    }
    if (buf[pos] == '"') {
      pos++;
      return readQuoted();
    }
    // Fast path: the whole field lies in the buffer.
    int start = pos;
    for (int i = pos; i < len; i++) {
      char c = buf[i];
      if (c == ',' || c == '\n' || c == '\r') {
        fields.add(new String(buf, start, i - start));
        pos = i + 1;
        return terminator(c);
      }
    }
    field.setLength(0);
    field.append(buf, start, len - start);
    pos = len;
    while (fill()) {
      char c = buf[pos++];
      if (c == ',' || c == '\n' || c == '\r') {
        fields.add(field.toString());
        return terminator(c);
      }
      field.append(c);
    }
    fields.add(field.toString());
    return -1;
  }

  private int terminator(char c) throws IOException {
    if (c == ',') {
      return ',';
    }
    if (c == '\r' && fill() && buf[pos] == '\n') {
      pos++;
    }
    line++;
    return '\n';
  }

  private int readQuoted() throws IOException, FormatException {
    field.setLength(0);
    while (true) {
      if (!fill()) {
        throw new FormatException(recordLine, "a quoted field is never closed (unterminated quote)");
      }
      char c = buf[pos++];
      if (c == '"') {
        if (fill() && buf[pos] == '"') {
          field.append('"');
          pos++;
          continue;
        }
        fields.add(field.toString());
        if (!fill()) {
          return -1;
        }
        char after = buf[pos++];
        if (after == ',' || after == '\n' || after == '\r') {
          return terminator(after);
        }
        throw new FormatException(recordLine, "text after a closing quote; fields must be quoted whole");
      }
      if (c == '\n') {
        line++;
      }
      field.append(c);
    }
  }
}
