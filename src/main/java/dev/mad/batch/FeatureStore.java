package dev.mad.batch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The validating pass' output and the scoring pass' input: per row its feature values, its time
 * in epoch ms and where its raw record lies in the input file, as fixed-size binary rows in temp
 * files (one per part of the input that was read in parallel). Rows are read back by index from
 * any thread, so the scoring pass can work on several blocks at once. The files are deleted on close.
 */
final class FeatureStore implements AutoCloseable {
  private final int dimensions;
  private final int rowBytes;
  private final List<Segment> segments = new ArrayList<>();
  private long rows;

  private record Segment(Path path, FileChannel channel, long firstRow, long rows) {}

  /** Rows read back together: values, times and record positions. */
  static final class Rows {
    final double[][] values;
    final long[] epochs;
    final long[] starts;
    final long[] ends;
    final ByteBuffer io;
    final long[] words;

    Rows(int capacity, int dimensions) {
      values = new double[capacity][dimensions];
      epochs = new long[capacity];
      starts = new long[capacity];
      ends = new long[capacity];
      int chunk = Math.min(capacity, 4096) * (dimensions + 3);
      io = ByteBuffer.allocate(chunk * 8).order(ByteOrder.nativeOrder());
      words = new long[chunk];
    }
  }

  FeatureStore(int dimensions) {
    this.dimensions = dimensions;
    this.rowBytes = (dimensions + 3) * 8;
  }

  static int rowBytes(int dimensions) {
    return (dimensions + 3) * 8;
  }

  /** Appends a finished writer's rows after the rows already held. */
  void append(Writer w) throws IOException {
    segments.add(
        new Segment(w.path, FileChannel.open(w.path, StandardOpenOption.READ), rows, w.rows));
    w.adopted = true;
    rows += w.rows;
  }

  long rows() {
    return rows;
  }

  int dimensions() {
    return dimensions;
  }

  /** Reads rows {@code [from, from + count)} into {@code out}'s first {@code count} slots. */
  void read(long from, int count, Rows out) throws IOException {
    int done = 0;
    while (done < count) {
      long row = from + done;
      Segment s = segmentOf(row);
      int n =
          (int)
              Math.min(
                  Math.min(count - done, s.firstRow + s.rows - row), out.io.capacity() / rowBytes);
      ByteBuffer io = out.io;
      io.clear().limit(n * rowBytes);
      long offset = (row - s.firstRow) * rowBytes;
      while (io.hasRemaining()) {
        if (s.channel.read(io, offset + io.position()) < 0) {
          throw new IOException("feature file ended early");
        }
      }
      io.flip();
      io.asLongBuffer().get(out.words, 0, n * (dimensions + 3));
      decode(out.words, n, dimensions, out, done);
      done += n;
    }
  }

  /**
   * Unpacks {@code n} rows of longs into {@code out} from slot {@code at}. Kept apart from the I/O so
   * that the JIT compiles this small loop alone rather than recompiling the whole read with it.
   */
  private static void decode(long[] w, int n, int dimensions, Rows out, int at) {
    int k = 0;
    for (int i = at; i < at + n; i++) {
      double[] v = out.values[i];
      for (int f = 0; f < dimensions; f++) {
        v[f] = Double.longBitsToDouble(w[k++]);
      }
      out.epochs[i] = w[k++];
      out.starts[i] = w[k++];
      out.ends[i] = w[k++];
    }
  }

  private Segment segmentOf(long row) {
    for (Segment s : segments) {
      if (row < s.firstRow + s.rows) {
        return s;
      }
    }
    throw new IndexOutOfBoundsException("row " + row + " of " + rows);
  }

  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (Segment s : segments) {
      try {
        s.channel.close();
        Files.deleteIfExists(s.path);
        TempFiles.untrack(s.path);
      } catch (IOException e) {
        failure = e;
      }
    }
    segments.clear();
    if (failure != null) {
      throw failure;
    }
  }

  /** Sequential writer of one part's rows; deletes its file if closed without being handed to a store. */
  static final class Writer implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final long[] words;
    private int used;
    private long rows;
    private boolean adopted;

    Writer(Path dir, int dimensions) throws IOException {
      this.path = Files.createTempFile(dir, ".features-", ".tmp");
      TempFiles.track(path);
      this.channel = FileChannel.open(path, StandardOpenOption.WRITE);
      this.words = new long[(dimensions + 3) * 4096];
      this.buffer = ByteBuffer.allocate(words.length * 8).order(ByteOrder.nativeOrder());
    }

    void row(double[] values, long epochMs, long recordStart, long recordEnd) throws IOException {
      if (used + values.length + 3 > words.length) {
        flush();
      }
      long[] w = words;
      for (double v : values) {
        w[used++] = Double.doubleToRawLongBits(v);
      }
      w[used++] = epochMs;
      w[used++] = recordStart;
      w[used++] = recordEnd;
      rows++;
    }

    long rows() {
      return rows;
    }

    private void flush() throws IOException {
      buffer.clear();
      buffer.asLongBuffer().put(words, 0, used);
      buffer.limit(used * 8);
      used = 0;
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      buffer.clear();
    }

    /** Flushes and closes the file for writing; it stays until the store that adopts it closes. */
    void finish() throws IOException {
      flush();
      channel.close();
    }

    /** Deletes the file unless a store adopted it. */
    @Override
    public void close() throws IOException {
      if (!adopted) {
        channel.close();
        Files.deleteIfExists(path);
        TempFiles.untrack(path);
      }
    }
  }
}
