package dev.mad.detect;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The last minutes of {@code metrics_history.csv}, read at start so a restarted server's window is
 * not empty: per host, the rows of the last {@code windowMs} before the newest row, with whether
 * each was flagged. Reads at most {@code maxBytes} from the end of the file, and takes the columns
 * by the names in its header, so it follows the file however it was written; a line it cannot
 * read is skipped. Hand-written because it reads a file backwards from its end, which the CSV
 * libraries do not.
 */
final class HistoryTail {
  /** One sample of the history. */
  record Row(long timestampMs, double[] values, boolean flagged) {}

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT);

  private HistoryTail() {}

  /**
   * @param metrics  the metric columns, in the detector's order
   * @param maxHosts hosts kept at most (the first seen from the end)
   * @return rows per host, oldest first; empty when there is no file or it has no usable header
   */
  static Map<String, List<Row>> read(
      Path file, List<String> metrics, long windowMs, long maxBytes, int maxHosts, ZoneId zone)
      throws IOException {
    Map<String, List<Row>> out = new LinkedHashMap<>();
    if (!Files.isRegularFile(file)) {
      return out;
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      String header = in.readLine();
      if (header == null) {
        return out;
      }
      List<String> names = split(header);
      int ts = names.indexOf("timestamp");
      int flagged = names.indexOf("is_anomaly");
      int host = names.indexOf("host");
      int[] cols = new int[metrics.size()];
      for (int i = 0; i < cols.length; i++) {
        cols[i] = names.indexOf(metrics.get(i));
        if (cols[i] < 0) {
          return out;
        }
      }
      if (ts < 0 || host < 0) {
        return out;
      }
      Tail tail = tail(in, in.getFilePointer(), ts, windowMs, maxBytes, zone);
      byte[] bytes = tail.bytes();
      String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
      // the first line may be cut where reading began, the last by a write in progress
      int first = tail.cut() ? 1 : 0;
      long newest = Long.MIN_VALUE;
      List<Object[]> parsed = new ArrayList<>();
      for (int l = first; l < lines.length - 1; l++) {
        List<String> f = split(lines[l]);
        if (f.size() < names.size()) {
          continue;
        }
        try {
          long t =
              LocalDateTime.parse(f.get(ts), TIMESTAMP).atZone(zone).toInstant().toEpochMilli();
          double[] v = new double[cols.length];
          for (int i = 0; i < cols.length; i++) {
            v[i] = Double.parseDouble(f.get(cols[i]));
            if (!Double.isFinite(v[i])) {
              throw new NumberFormatException("not finite");
            }
          }
          boolean flag = flagged >= 0 && f.get(flagged).equals("true");
          parsed.add(new Object[] {f.get(host), new Row(t, v, flag)});
          newest = Math.max(newest, t);
        } catch (DateTimeParseException | NumberFormatException e) {
          // a line the file's repair or a crash left: skip it
        }
      }
      for (Object[] p : parsed) {
        Row r = (Row) p[1];
        String h = (String) p[0];
        if (r.timestampMs() < newest - windowMs) {
          continue;
        }
        List<Row> rows = out.get(h);
        if (rows == null) {
          if (out.size() >= maxHosts) {
            continue;
          }
          rows = new ArrayList<>();
          out.put(h, rows);
        }
        if (rows.isEmpty() || rows.get(rows.size() - 1).timestampMs() <= r.timestampMs()) {
          rows.add(r);
        }
      }
    }
    return out;
  }

  /** The bytes read from the end, and whether they begin inside a line. */
  private record Tail(byte[] bytes, boolean cut) {}

  /** How much is read at a time, backwards from the end. */
  private static final int CHUNK = 256 * 1024;

  /**
   * Reads backwards from the end, a chunk at a time, until the first whole line read is older than
   * the window before the newest line (or the header, or {@code maxBytes}, is reached): a
   * standalone server reads a few KB of a 50 MB file, a hub as much as its hosts' windows take.
   */
  private static Tail tail(
      RandomAccessFile in, long headerEnd, int tsCol, long windowMs, long maxBytes, ZoneId zone)
      throws IOException {
    long length = in.length();
    long from = length;
    byte[] data = new byte[0];
    Long newest = null;
    while (from > headerEnd && length - from < maxBytes) {
      long start = Math.max(Math.max(headerEnd, from - CHUNK), length - maxBytes);
      byte[] joined = new byte[(int) (from - start) + data.length];
      in.seek(start);
      in.readFully(joined, 0, (int) (from - start));
      System.arraycopy(data, 0, joined, (int) (from - start), data.length);
      data = joined;
      from = start;
      if (newest == null) {
        newest = lastTime(data, tsCol, zone);
      }
      Long oldest = firstTime(data, from > headerEnd, tsCol, zone);
      if (newest != null && oldest != null && oldest < newest - windowMs) {
        break;
      }
    }
    return new Tail(data, from > headerEnd);
  }

  /** The time of the first whole line, or null when there is none or it does not parse. */
  private static Long firstTime(byte[] data, boolean cut, int tsCol, ZoneId zone) {
    int start = 0;
    if (cut) {
      while (start < data.length && data[start] != '\n') {
        start++;
      }
      start++;
    }
    int end = start;
    while (end < data.length && data[end] != '\n') {
      end++;
    }
    return end < data.length
        ? time(new String(data, start, end - start, StandardCharsets.UTF_8), tsCol, zone)
        : null;
  }

  /** The time of the last whole line that parses, looking at the last few. */
  private static Long lastTime(byte[] data, int tsCol, ZoneId zone) {
    int end = data.length - 1;
    while (end >= 0 && data[end] != '\n') {
      end--; // a line a write has not finished
    }
    for (int tries = 0; tries < 10 && end > 0; tries++) {
      int start = end - 1;
      while (start >= 0 && data[start] != '\n') {
        start--;
      }
      // start < 0: the line begins where reading began (cut or not: a cut one does not parse)
      Long t =
          time(new String(data, start + 1, end - start - 1, StandardCharsets.UTF_8), tsCol, zone);
      if (t != null) {
        return t;
      }
      end = start;
    }
    return null;
  }

  private static Long time(String line, int tsCol, ZoneId zone) {
    List<String> f = split(line);
    if (f.size() <= tsCol) {
      return null;
    }
    try {
      return LocalDateTime.parse(f.get(tsCol), TIMESTAMP).atZone(zone).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Splits a CSV line as the history writes it: fields quoted only when they hold a comma or quote. */
  static List<String> split(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else if (c != '\r') {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }
}
