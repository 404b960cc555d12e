package dev.mad.batch;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The scoring pass' input, written by the validating pass: per row its feature values and its
 * time in epoch ms, as raw 8-byte values through one buffer (no per-value stream calls).
 */
final class FeatureFile {
  private static final int BUFFER = 1 << 18;

  private FeatureFile() {
  }

  /** Sequential writer. */
  static final class Writer implements AutoCloseable {
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);

    Writer(Path file) throws IOException {
      channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    void row(double[] values, long epochMs) throws IOException {
      if (buffer.remaining() < (values.length + 1) * 8) {
        flush();
      }
      for (double v : values) {
        buffer.putDouble(v);
      }
      buffer.putLong(epochMs);
    }

    private void flush() throws IOException {
      buffer.flip();
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      buffer.clear();
    }

    @Override
    public void close() throws IOException {
      try {
        flush();
      } finally {
        channel.close();
      }
    }
  }

  /** Sequential reader. */
  static final class Reader implements AutoCloseable {
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);

    Reader(Path file) throws IOException {
      channel = FileChannel.open(file, StandardOpenOption.READ);
      buffer.flip();
    }

    /** Reads one row's values into {@code values}; returns its time in epoch ms. */
    long row(double[] values) throws IOException {
      int need = (values.length + 1) * 8;
      if (buffer.remaining() < need) {
        buffer.compact();
        while (buffer.position() < need) {
          if (channel.read(buffer) < 0) {
            throw new EOFException("feature file ended early");
          }
        }
        buffer.flip();
      }
      for (int k = 0; k < values.length; k++) {
        values[k] = buffer.getDouble();
      }
      return buffer.getLong();
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
