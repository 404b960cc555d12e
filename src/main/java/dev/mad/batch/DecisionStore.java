package dev.mad.batch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What the sequential alarm pass decided for each row, for the formatting pass: the smoothed score
 * and the incident the row belongs to (0 for none), 16 bytes a row in a temp file, so memory stays
 * flat however long the file is. Rows are written in order and may be rewritten later (a row that
 * turns out to lie inside an incident once the next elevated row arrives); the file is deleted on close.
 */
final class DecisionStore implements AutoCloseable {
  static final int ROW_BYTES = 16;
  private final Path path;
  private final FileChannel channel;

  DecisionStore(Path dir) throws IOException {
    path = Files.createTempFile(dir, ".decisions-", ".tmp");
    TempFiles.track(path);
    channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /** Writes {@code n} rows from {@code first}: scores and incident ids. */
  void write(long first, int n, double[] scores, long[] incidents) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n * ROW_BYTES).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      b.putDouble(scores[i]).putLong(incidents[i]);
    }
    b.flip();
    long at = first * ROW_BYTES;
    while (b.hasRemaining()) {
      at += channel.write(b, at);
    }
  }

  /** Sets the incident of rows {@code [from, to)}, keeping their scores. */
  void markIncident(long from, long to, long incident) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
    for (long r = from; r < to; r++) {
      b.clear();
      b.putLong(incident).flip();
      long at = r * ROW_BYTES + 8;
      while (b.hasRemaining()) {
        at += channel.write(b, at);
      }
    }
  }

  /** Reads {@code n} rows from {@code first} into the arrays. */
  void read(long first, int n, double[] scores, long[] incidents) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n * ROW_BYTES).order(ByteOrder.nativeOrder());
    long at = first * ROW_BYTES;
    while (b.hasRemaining()) {
      int got = channel.read(b, at + b.position());
      if (got < 0) {
        throw new IOException("decision file ended early");
      }
    }
    b.flip();
    for (int i = 0; i < n; i++) {
      scores[i] = b.getDouble();
      incidents[i] = b.getLong();
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
    Files.deleteIfExists(path);
    TempFiles.untrack(path);
  }
}
