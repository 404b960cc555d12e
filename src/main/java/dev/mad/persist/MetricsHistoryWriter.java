package dev.mad.persist;

import dev.mad.bus.MetricSample;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends scored samples to {@code metrics_history.csv}, one line per sample, each written whole or
 * not at all: a write that fails part-way (the disk filled up) is cut back to the last whole line,
 * so a row is never joined to the next one once space returns. Lines go to the OS as they are
 * written, so a crash loses at most the line being written; the file rolls over by size and day so
 * the logs directory stays bounded. Blocking; used from a worker verticle.
 */
final class MetricsHistoryWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsHistoryWriter.class);
  static final String HEADER =
      "timestamp,cpu_percent,cpu_frequency,memory_percent,memory_available_gb,"
          + "disk_read_mb,disk_write_mb,network_sent_mb,network_recv_mb,is_anomaly,anomaly_score,severity,host,"
          + "agent_id,seq";
  private static final byte[] HEADER_LINE = (HEADER + "\n").getBytes(StandardCharsets.UTF_8);
  static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT)
          .withZone(ZoneId.systemDefault());

  /** Opens the file for appending; tests put a disk that fills up in its place. */
  interface Opener {
    FileChannel open(Path file) throws IOException;
  }

  static final Opener APPEND =
      f ->
          FileChannel.open(
              f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);

  private final Path file;
  private final long maxBytes;
  private final boolean daily;
  private final int keepFiles;
  private final Opener opener;
  private FileChannel out;

  /** Bytes of whole lines in the file; anything beyond is what a failed write left. */
  private long size;

  private LocalDate day;

  /**
   * @param maxBytes  size at which the file rolls over
   * @param daily     also roll over when the local date changes
   * @param keepFiles rolled-over files kept; older ones are deleted
   */
  MetricsHistoryWriter(Path file, long maxBytes, boolean daily, int keepFiles) throws IOException {
    this(file, maxBytes, daily, keepFiles, APPEND);
  }

  MetricsHistoryWriter(Path file, long maxBytes, boolean daily, int keepFiles, Opener opener)
      throws IOException {
    this.file = file;
    this.maxBytes = maxBytes;
    this.daily = daily;
    this.keepFiles = keepFiles;
    this.opener = opener;
    Files.createDirectories(file.toAbsolutePath().getParent());
    prepare();
    open();
  }

  private void open() throws IOException {
    out = opener.open(file);
    size = out.size();
    day =
        size == 0
            ? LocalDate.now()
            : LocalDate.ofInstant(
                Files.getLastModifiedTime(file).toInstant(), ZoneId.systemDefault());
    // the header is written with the first row, so that opening never fails on a full disk
  }

  /**
   * Writes one line, or nothing: on failure the file is cut back to its last whole line (and, if
   * even that fails, before the next write).
   */
  private void writeWhole(byte[] line) throws IOException {
    if (out.size() != size) {
      out.truncate(size);
    }
    ByteBuffer buf = ByteBuffer.wrap(line);
    try {
      while (buf.hasRemaining()) {
        out.write(buf);
      }
    } catch (IOException e) {
      try {
        out.truncate(size);
      } catch (IOException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
    size += line.length;
  }

  /** Closes the current file under a dated name, starts a new one and deletes the oldest beyond keepFiles. */
  private void rollOver() throws IOException {
    out.close();
    out = null;
    String stem = "metrics_history." + day;
    Path target = file.resolveSibling(stem + ".csv");
    for (int i = 1; Files.exists(target); i++) {
      target = file.resolveSibling(stem + "." + i + ".csv");
    }
    Files.move(file, target);
    List<Path> rolled;
    try (Stream<Path> files = Files.list(file.toAbsolutePath().getParent())) {
      rolled =
          files
              .filter(
                  p ->
                      p.getFileName()
                          .toString()
                          .matches("metrics_history\\.\\d{4}-\\d\\d-\\d\\d.*\\.csv"))
              .sorted(Comparator.comparing(p -> p.toFile().lastModified()))
              .toList();
    }
    for (int i = 0; i < rolled.size() - keepFiles; i++) {
      Files.deleteIfExists(rolled.get(i));
    }
    open();
  }

  /**
   * Makes an existing file safe to append to: a file from an older schema is moved aside, and a
   * line cut short by a crash is dropped.
   */
  private void prepare() throws IOException {
    if (!Files.exists(file) || Files.size(file) == 0) {
      return;
    }
    String firstLine;
    try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      firstLine = reader.readLine();
    }
    if (!HEADER.equals(firstLine)) {
      Path aside =
          file.resolveSibling("metrics_history.old-" + System.currentTimeMillis() + ".csv");
      Files.move(file, aside);
      LOG.warn(
          "Crash repair: {} has another header (an older version's?); kept as {}",
          file,
          aside.getFileName());
      return;
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long length = raf.length();
      raf.seek(length - 1);
      if (raf.read() == '\n') {
        return;
      }
      long pos = length - 1;
      while (pos > 0) {
        raf.seek(pos - 1);
        if (raf.read() == '\n') {
          break;
        }
        pos--;
      }
      raf.setLength(pos);
      LOG.warn(
          "Crash repair: removed the last line of {}, cut short by a crash ({} bytes)",
          file,
          length - pos);
    }
  }

  /** Appends one sample's line, whole or not at all. */
  void append(JsonObject scored) throws IOException {
    byte[] line = (format(scored) + "\n").getBytes(StandardCharsets.UTF_8);
    if (out == null) {
      open();
    }
    LocalDate today = LocalDate.now();
    if (size + line.length > maxBytes || (daily && !today.equals(day))) {
      rollOver();
    }
    if (size == 0) {
      writeWhole(HEADER_LINE);
    }
    writeWhole(line);
  }

  static String format(JsonObject s) {
    StringBuilder line = new StringBuilder(160);
    line.append(TIMESTAMP.format(Instant.ofEpochMilli(s.getLong(MetricSample.TIMESTAMP))));
    for (String metric : MetricSample.METRICS) {
      line.append(',').append(decimal(s.getDouble(metric)));
    }
    line.append(',').append(s.getBoolean("is_anomaly", false));
    Double score = s.getDouble("anomaly_score");
    line.append(',').append(score == null ? "" : String.format(Locale.ROOT, "%.4f", score));
    line.append(',').append(s.getString("severity", ""));
    line.append(',').append(csvField(s.getString(MetricSample.HOST, "")));
    // a fleet sample's stream and sequence number (empty for this machine's own samples)
    Object agent = s.getValue(MetricSample.AGENT_ID);
    Object seq = s.getValue(MetricSample.SEQ);
    line.append(',').append(agent instanceof String a ? csvField(a) : "");
    line.append(',').append(seq instanceof Number n ? Long.toString(n.longValue()) : "");
    return line.toString();
  }

  private static String decimal(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static String csvField(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
      return v;
    }
    return '"' + v.replace("\"", "\"\"") + '"';
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.close();
    }
  }
}
