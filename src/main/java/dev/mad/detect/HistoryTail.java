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
      long length = in.length();
      long from = Math.max(in.getFilePointer(), length - maxBytes);
      byte[] bytes = new byte[(int) (length - from)];
      in.seek(from);
      in.readFully(bytes);
      String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
      // the first line may be cut by the seek, the last by a write in progress
      int first = from > 0 && bytes.length > 0 && bytes[0] != '\n' ? 1 : 0;
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
