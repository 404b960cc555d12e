package dev.mad.batch.csv;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 4180 as the product reads and writes it: the one place that knows the record and field
 * rules. Every CSV the product reads goes through {@link Scanner}, every field it writes through
 * {@link #escape}.
 *
 * <p>The rules: records end with CRLF, LF or CR, and blank lines between records are skipped.
 * Fields are separated by commas and kept as they are (no trimming). A field that starts with a
 * double quote is quoted: it runs to the next lone quote, a doubled quote inside stands for one,
 * and it may hold commas, quotes and line breaks; a comma, a line end or the end of the input
 * must follow its closing quote. A quote inside an unquoted field is an ordinary character. Line
 * numbers count the line ends between records and the LFs inside quoted fields (a CR alone
 * inside quotes does not count: that is how the line numbers in messages have always been
 * counted).
 */
public final class Rfc4180 {
  /** A record may not be longer than this: past it the file is surely not what it claims. */
  static final int MAX_RECORD_BYTES = 1 << 26;

  private Rfc4180() {}

  /** {@code field} as one CSV field: quoted, with its quotes doubled, when it holds a comma, quote or line break. */
  public static String escape(String field) {
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        return '"' + field.replace("\"", "\"\"") + '"';
      }
    }
    return field;
  }

  /**
   * The fields of the record at {@code raw[at, at + length)}, as a {@link Scanner} read it from
   * the file (the output pass splits the raw records that the validating pass stored).
   */
  public static List<String> fields(byte[] raw, int at, int length) {
    Scanner record = Scanner.record(raw, at, length);
    List<String> fields = new ArrayList<>(record.fieldCount());
    for (int i = 0; i < record.fieldCount(); i++) {
      fields.add(record.text(i));
    }
    return fields;
  }

  /** Field {@code index} of the record at {@code raw[at, at + length)}. */
  public static String field(byte[] raw, int at, int length, int index) {
    return Scanner.record(raw, at, length).text(index);
  }

  /** A malformed record, with the line it starts on. */
  public static final class FormatException extends Exception {
    public final long line;

    FormatException(long line, String message) {
      super(message);
      this.line = line;
    }
  }

  /**
   * Records read straight from a file's bytes, without decoding them to chars or making a String
   * per field. Reads the part of the file from a start position up to the first record that
   * begins at or after {@code limit}, so that the parts of a long file can be read on several
   * threads at once. Line numbers are counted from the start position. Non-ASCII bytes are checked
   * to be UTF-8 unless {@link #replacingMalformedUtf8()} was asked for.
   */
  public static final class Scanner {
    private final FileChannel channel;
    private final long fileSize;
    private final long limit;
    private boolean checkUtf8 = true;
    private byte[] buf;
    private long bufStart;
    private int len;
    private int pos;
    private boolean eof;
    private long lines;

    private int fields;
    private int[] starts = new int[16];
    private int[] ends = new int[16];
    private boolean[] quoted = new boolean[16];
    private int recStart;
    private int recEnd;
    private long recordLines;

    /**
     * @param from  file position to start at (the start of a line)
     * @param limit records starting at or after this position are left to the next part
     */
    public Scanner(FileChannel channel, long from, long limit, int bufferBytes) throws IOException {
      this.channel = channel;
      this.fileSize = channel.size();
      this.limit = limit;
      this.buf = new byte[bufferBytes];
      this.bufStart = from;
    }

    /** Over bytes already in memory: the whole input is {@code raw[at, at + length)}. */
    private Scanner(byte[] raw, int at, int length) {
      this.channel = null;
      this.fileSize = at + length;
      this.limit = Long.MAX_VALUE;
      this.buf = raw;
      this.pos = at;
      this.len = at + length;
      this.eof = true;
    }

    /** The first record in {@code raw[at, at + length)}, bytes that a checking scanner has accepted before. */
    private static Scanner record(byte[] raw, int at, int length) {
      Scanner s = new Scanner(raw, at, length).replacingMalformedUtf8();
      try {
        if (s.tryRecord() != 1) {
          throw new IllegalArgumentException("no CSV record in " + length + " bytes");
        }
      } catch (FormatException e) {
        throw new IllegalArgumentException("not a CSV record: " + e.getMessage(), e);
      }
      return s;
    }

    /**
     * Decodes bytes that are not UTF-8 as U+FFFD instead of reporting them: for a first look at a
     * file whose every record a checking scanner reads later, with its line in the message.
     */
    public Scanner replacingMalformedUtf8() {
      checkUtf8 = false;
      return this;
    }

    /** Reads the next record; false at the end of the file or of this scanner's part. */
    public boolean next() throws IOException, FormatException {
      while (true) {
        int r = tryRecord();
        if (r >= 0) {
          return r == 1;
        }
        fill();
      }
    }

    public int fieldCount() {
      return fields;
    }

    public byte[] buffer() {
      return buf;
    }

    /** Start of field {@code i} in {@link #buffer()}, its opening quote included when quoted. */
    public int start(int i) {
      return starts[i];
    }

    public int end(int i) {
      return ends[i];
    }

    public boolean quoted(int i) {
      return quoted[i];
    }

    /** The text of field {@code i}: unquoted and unescaped. */
    public String text(int i) {
      if (!quoted[i]) {
        return new String(buf, starts[i], ends[i] - starts[i], StandardCharsets.UTF_8);
      }
      String inner =
          new String(buf, starts[i] + 1, ends[i] - starts[i] - 2, StandardCharsets.UTF_8);
      return inner.indexOf('"') < 0 ? inner : inner.replace("\"\"", "\"");
    }

    /** The texts of the current record's fields. */
    public List<String> fields() {
      List<String> texts = new ArrayList<>(fields);
      for (int i = 0; i < fields; i++) {
        texts.add(text(i));
      }
      return texts;
    }

    /** File position of the current record's first byte. */
    public long recordStart() {
      return bufStart + recStart;
    }

    /** File position just past the current record's last byte (its line end excluded). */
    public long recordEnd() {
      return bufStart + recEnd;
    }

    /** 1-based line, counted from the start position, on which the current record starts. */
    public long recordLine() {
      return recordLines + 1;
    }

    /** File position after everything consumed so far. */
    public long position() {
      return bufStart + pos;
    }

    /** Line ends consumed so far. */
    public long lines() {
      return lines;
    }

    /** Moves the unread bytes to the front and reads more; grows the buffer for a long record. */
    private void fill() throws IOException, FormatException {
      if (pos > 0) {
        System.arraycopy(buf, pos, buf, 0, len - pos);
        bufStart += pos;
        len -= pos;
        pos = 0;
      } else if (len == buf.length) {
        if (buf.length >= MAX_RECORD_BYTES) {
          throw new FormatException(
              lines + 1,
              "a record is longer than "
                  + (MAX_RECORD_BYTES >> 20)
                  + " MiB (is a quote never closed?)");
        }
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      ByteBuffer target = ByteBuffer.wrap(buf, len, buf.length - len);
      while (target.hasRemaining() && bufStart + len < fileSize) {
        int n = channel.read(target, bufStart + len);
        if (n < 0) {
          break;
        }
        len += n;
      }
      eof = bufStart + len >= fileSize;
    }

    /** 1: a record was read; 0: nothing more in this part; -1: more bytes are needed first. */
    private int tryRecord() throws FormatException {
      while (true) {
        if (pos >= len) {
          return eof ? 0 : -1;
        }
        if (bufStart + pos >= limit) {
          return 0;
        }
        byte c = buf[pos];
        if (c == '\n') {
          pos++;
          lines++;
        } else if (c == '\r') {
          if (pos + 1 >= len && !eof) {
            return -1;
          }
          pos++;
          if (pos < len && buf[pos] == '\n') {
            pos++;
          }
          lines++;
        } else {
          break;
        }
      }
      int p = pos;
      int nf = 0;
      long nl = 0;
      int seen = 0;
      while (true) {
        if (nf == starts.length) {
          starts = Arrays.copyOf(starts, nf * 2);
          ends = Arrays.copyOf(ends, nf * 2);
          quoted = Arrays.copyOf(quoted, nf * 2);
        }
        int q;
        if (p < len && buf[p] == '"') {
          q = p + 1;
          while (true) {
            if (q >= len) {
              if (eof) {
                throw new FormatException(
                    lines + 1, "a quoted field is never closed (unterminated quote)");
              }
              return -1;
            }
            byte c = buf[q];
            if (c == '"') {
              if (q + 1 >= len && !eof) {
                return -1;
              }
              if (q + 1 < len && buf[q + 1] == '"') {
                q += 2;
                continue;
              }
              break;
            }
            if (c == '\n') {
              nl++;
            }
            seen |= c;
            q++;
          }
          starts[nf] = p;
          ends[nf] = q + 1;
          quoted[nf] = true;
          q++;
          if (q < len && buf[q] != ',' && buf[q] != '\n' && buf[q] != '\r') {
            throw new FormatException(
                lines + 1, "text after a closing quote; fields must be quoted whole");
          }
        } else {
          q = p;
          while (q < len) {
            byte c = buf[q];
            if (c == ',' || c == '\n' || c == '\r') {
              break;
            }
            seen |= c;
            q++;
          }
          if (q >= len && !eof) {
            return -1;
          }
          starts[nf] = p;
          ends[nf] = q;
          quoted[nf] = false;
        }
        nf++;
        if (q >= len) {
          // the last record, without a line end
          return finish(nf, q, len, nl, seen);
        }
        byte t = buf[q];
        if (t == ',') {
          p = q + 1;
          continue;
        }
        if (t == '\r') {
          if (q + 1 >= len && !eof) {
            return -1;
          }
          return finish(nf, q, q + 1 < len && buf[q + 1] == '\n' ? q + 2 : q + 1, nl + 1, seen);
        }
        return finish(nf, q, q + 1, nl + 1, seen);
      }
    }

    private int finish(int nf, int end, int next, long newLines, int seen) throws FormatException {
      if (seen < 0 && checkUtf8 && !Utf8.valid(buf, pos, end)) {
        throw new FormatException(lines + 1, "is not UTF-8 text");
      }
      fields = nf;
      recStart = pos;
      recEnd = end;
      recordLines = lines;
      lines += newLines;
      pos = next;
      return 1;
    }
  }

  /** Strict UTF-8 validation (no overlong forms, surrogates or code points past U+10FFFF). */
  static final class Utf8 {
    private Utf8() {}

    static boolean valid(byte[] b, int from, int to) {
      int i = from;
      while (i < to) {
        int c = b[i] & 0xff;
        if (c < 0x80) {
          i++;
          continue;
        }
        int n;
        if (c >= 0xC2 && c <= 0xDF) {
          n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
          n = 2;
        } else if (c >= 0xF0 && c <= 0xF4) {
          n = 3;
        } else {
          return false;
        }
        if (i + n >= to + 1) {
          return false;
        }
        for (int k = 1; k <= n; k++) {
          if ((b[i + k] & 0xC0) != 0x80) {
            return false;
          }
        }
        int second = b[i + 1] & 0xff;
        if ((c == 0xE0 && second < 0xA0)
            || (c == 0xED && second > 0x9F)
            || (c == 0xF0 && second < 0x90)
            || (c == 0xF4 && second > 0x8F)) {
          return false;
        }
        i += n + 1;
      }
      return true;
    }
  }
}
