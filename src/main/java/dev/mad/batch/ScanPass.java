package dev.mad.batch;

import dev.mad.batch.csv.FastDouble;
import dev.mad.batch.csv.InputDataException;
import dev.mad.batch.csv.MetricsCsv;
import dev.mad.batch.csv.Rfc4180;
import dev.mad.batch.csv.TimestampParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleConsumer;

/**
 * The validating pass: checks every row's field count, timestamp and features and stores the
 * features in a {@link FeatureStore}. A long file is cut into as many parts as there are threads,
 * each cut just after a line end, and the parts are read at once; a part whose cut fell inside a
 * quoted field spanning lines is read again from where the previous part really ended. The file's
 * SHA-256 is computed alongside. The first problem in file order is reported, with its line.
 */
final class ScanPass {
  /** Parts smaller than this are not worth a thread of their own. */
  private static final long MIN_PART_BYTES = 1 << 20;

  private static final int BUFFER_BYTES = 1 << 20;
  private static final String TIME_FORMS =
      " (expected ISO-8601, 'YYYY-MM-DD HH:MM:SS[.ffffff]' or epoch seconds/milliseconds)";

  /** What the pass found: the rows' features, their count and the file's hash. */
  record Result(FeatureStore store, long rows, String sha256) {}

  private final Path file;
  private final String name;
  private final BatchAnalysis.Columns columns;
  private final Path workDir;
  private final ExecutorService pool;
  private final int threads;
  private final AtomicLong bytesDone = new AtomicLong();

  ScanPass(
      Path file,
      String name,
      BatchAnalysis.Columns columns,
      Path workDir,
      ExecutorService pool,
      int threads) {
    this.file = file;
    this.name = name;
    this.columns = columns;
    this.workDir = workDir;
    this.pool = pool;
    this.threads = threads;
  }

  /** A problem found in a part, with its line counted from the part's start. */
  private record Problem(long line, String column, String text) {}

  /** One part's outcome. */
  private static final class Part {
    final long from;
    final long limit;
    FeatureStore.Writer writer;
    long rows;
    long lines;
    long end;
    Problem problem;

    Part(long from, long limit) {
      this.from = from;
      this.limit = limit;
    }
  }

  /** @param progress receives the fraction of the file read, 0 to 1 */
  Result run(DoubleConsumer progress) throws IOException, InputDataException {
    List<Part> parts = new ArrayList<>();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      Rfc4180.Scanner header = new Rfc4180.Scanner(channel, 0, Long.MAX_VALUE, 1 << 16);
      long headerLines;
      long dataStart;
      try {
        if (!header.next() || header.fieldCount() != columns.header().size()) {
          throw InputDataException.at(name, 1, null, "header changed while it was being analysed");
        }
        headerLines = header.lines();
        dataStart = header.position();
      } catch (Rfc4180.FormatException e) {
        throw InputDataException.at(name, e.line, null, e.getMessage());
      }
      List<Long> cuts = cuts(channel, dataStart, size);
      for (int i = 0; i + 1 < cuts.size(); i++) {
        parts.add(new Part(cuts.get(i), cuts.get(i + 1)));
      }
      Future<String> sha = pool.submit(() -> sha256(channel, size));
      List<Future<?>> running = new ArrayList<>();
      for (Part p : parts) {
        running.add(
            pool.submit(
                () -> {
                  read(channel, p);
                  return null;
                }));
      }
      // Wait for every part, even after one failed, so that none is still writing when the files
      // are removed.
      IOException failed = null;
      RuntimeException broken = null;
      for (Future<?> f : running) {
        try {
          await(f, progress, size - dataStart);
        } catch (IOException e) {
          failed = failed == null ? e : failed;
        } catch (RuntimeException e) {
          broken = broken == null ? e : broken;
        }
      }
      if (failed != null) {
        throw failed;
      }
      if (broken != null) {
        throw broken;
      }
      FeatureStore store = new FeatureStore(columns.featureIndex().length);
      boolean done = false;
      try {
        long lineOffset = headerLines;
        long previousEnd = dataStart;
        for (int i = 0; i < parts.size(); i++) {
          Part p = parts.get(i);
          if (p.from != previousEnd) {
            // The cut fell inside a record that the previous part finished: read this part again
            // from there.
            p.writer.close();
            Part again = new Part(previousEnd, p.limit);
            read(channel, again);
            parts.set(i, again);
            p = again;
          }
          if (p.problem != null) {
            throw InputDataException.at(
                name, lineOffset + p.problem.line(), p.problem.column(), p.problem.text());
          }
          store.append(p.writer);
          lineOffset += p.lines;
          previousEnd = p.end;
        }
        String hash = await(sha, progress, size - dataStart);
        done = true;
        return new Result(store, store.rows(), hash);
      } finally {
        if (!done) {
          store.close();
        }
      }
    } finally {
      for (Part p : parts) {
        if (p.writer != null) {
          p.writer.close();
        }
      }
    }
  }

  private <T> T await(Future<T> f, DoubleConsumer progress, long total) throws IOException {
    while (true) {
      try {
        return f.get(100, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        progress.accept(Math.min(1.0, bytesDone.get() / (double) Math.max(1, total)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("analysis interrupted", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof IOException io) {
          throw io;
        }
        if (cause instanceof RuntimeException re) {
          throw re;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw new IOException(cause);
      }
    }
  }

  /** Part boundaries: the data's start, a cut just after a line end near each 1/threads of the data, the end. */
  private List<Long> cuts(FileChannel channel, long dataStart, long size) throws IOException {
    List<Long> cuts = new ArrayList<>();
    cuts.add(dataStart);
    int parts = (int) Math.max(1, Math.min(threads, (size - dataStart) / MIN_PART_BYTES));
    ByteBuffer probe = ByteBuffer.allocate(1 << 16);
    for (int k = 1; k < parts; k++) {
      long at = dataStart + (size - dataStart) * k / parts;
      long cut = size;
      search:
      while (at < size) {
        probe.clear();
        int n = channel.read(probe, at);
        if (n <= 0) {
          break;
        }
        for (int i = 0; i < n; i++) {
          if (probe.get(i) == '\n') {
            cut = at + i + 1;
            break search;
          }
        }
        at += n;
      }
      if (cut > cuts.get(cuts.size() - 1) && cut < size) {
        cuts.add(cut);
      }
    }
    cuts.add(size);
    return cuts;
  }

  /** Reads one part: every record starting in [from, limit). */
  private void read(FileChannel channel, Part part) throws IOException {
    int[] featureIndex = columns.featureIndex();
    int timestampIndex = columns.timestampIndex();
    int width = columns.header().size();
    double[] values = new double[featureIndex.length];
    TimestampParser timestamps = new TimestampParser(ZoneId.systemDefault());
    part.writer = new FeatureStore.Writer(workDir, featureIndex.length);
    Rfc4180.Scanner in = new Rfc4180.Scanner(channel, part.from, part.limit, BUFFER_BYTES);
    long reported = part.from;
    try {
      while (in.next()) {
        if (in.fieldCount() != width) {
          part.problem =
              new Problem(
                  in.recordLine(),
                  null,
                  "row has " + in.fieldCount() + " fields but the header has " + width);
          break;
        }
        byte[] b = in.buffer();
        long epochMs;
        try {
          epochMs =
              in.quoted(timestampIndex)
                  ? timestamps.parse(in.text(timestampIndex))
                  : timestamps.parse(b, in.start(timestampIndex), in.end(timestampIndex));
        } catch (IllegalArgumentException e) {
          part.problem =
              new Problem(
                  in.recordLine(),
                  columns.header().get(timestampIndex),
                  e.getMessage() + TIME_FORMS);
          break;
        }
        part.problem = features(in, featureIndex, values);
        if (part.problem != null) {
          break;
        }
        part.writer.row(values, epochMs, in.recordStart(), in.recordEnd());
        part.rows++;
        if ((part.rows & 0x3fff) == 0) {
          long at = in.position();
          bytesDone.addAndGet(at - reported);
          reported = at;
        }
      }
    } catch (Rfc4180.FormatException e) {
      part.problem = new Problem(e.line, null, e.getMessage());
    }
    bytesDone.addAndGet(in.position() - reported);
    part.lines = in.lines();
    part.end = in.position();
    part.writer.finish();
  }

  private Problem features(Rfc4180.Scanner in, int[] featureIndex, double[] values) {
    byte[] b = in.buffer();
    for (int i = 0; i < featureIndex.length; i++) {
      int f = featureIndex[i];
      double v;
      try {
        v =
            in.quoted(f)
                ? FastDouble.parse(in.text(f))
                : FastDouble.parse(b, in.start(f), in.end(f));
      } catch (NumberFormatException e) {
        String text = in.text(f);
        return new Problem(
            in.recordLine(),
            columns.features().get(i),
            text.isBlank()
                ? "empty value; every analysed cell needs a number"
                : "'" + MetricsCsv.shorten(text) + "' is not a number");
      }
      if (!Double.isFinite(v)) {
        return new Problem(
            in.recordLine(),
            columns.features().get(i),
            "'" + in.text(f) + "' is not a finite number (NaN and infinity cannot be analysed)");
      }
      values[i] = v;
    }
    return null;
  }

  private static String sha256(FileChannel channel, long size) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    long at = 0;
    while (at < size) {
      buf.clear();
      int n = channel.read(buf, at);
      if (n < 0) {
        break;
      }
      buf.flip();
      sha.update(buf);
      at += n;
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
