package dev.mad.batch;

import dev.mad.batch.csv.Rfc4180;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer for building output text without going through chars and writers. */
public final class ByteSink {
  private byte[] data;
  private int size;

  ByteSink(int capacity) {
    data = new byte[Math.max(16, capacity)];
  }

  /** This sink as a stream (closing it does nothing). */
  OutputStream stream() {
    return new OutputStream() {
      @Override
      public void write(int b) {
        put((byte) b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        put(b, off, len);
      }
    };
  }

  public byte[] array() {
    return data;
  }

  public int size() {
    return size;
  }

  void clear() {
    size = 0;
  }

  private void ensure(int extra) {
    if (size + extra > data.length) {
      data = Arrays.copyOf(data, Math.max(data.length * 2, size + extra));
    }
  }

  ByteSink put(byte b) {
    ensure(1);
    data[size++] = b;
    return this;
  }

  ByteSink put(byte[] b, int from, int length) {
    ensure(length);
    System.arraycopy(b, from, data, size, length);
    size += length;
    return this;
  }

  ByteSink put(byte[] b) {
    return put(b, 0, b.length);
  }

  /** Text that is ASCII by construction (numbers, labels). */
  ByteSink ascii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      data[size++] = (byte) s.charAt(i);
    }
    return this;
  }

  ByteSink utf8(String s) {
    return put(s.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code v} with exactly four decimals (half-up on its magnitude), without building a String. */
  ByteSink fixed4(double v) {
    if (!Double.isFinite(v)) {
      return this;
    }
    long scaled = Math.round(Math.abs(v) * 10_000);
    if (v < 0 && scaled != 0) {
      put((byte) '-');
    }
    long whole = scaled / 10_000;
    int frac = (int) (scaled % 10_000);
    if (whole < 10) {
      put((byte) ('0' + whole));
    } else {
      ascii(Long.toString(whole));
    }
    ensure(5);
    data[size++] = '.';
    data[size++] = (byte) ('0' + frac / 1000);
    data[size++] = (byte) ('0' + frac / 100 % 10);
    data[size++] = (byte) ('0' + frac / 10 % 10);
    data[size++] = (byte) ('0' + frac % 10);
    return this;
  }

  /** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
  ByteSink csvField(String field) {
    return utf8(Rfc4180.escape(field));
  }

  /** A JSON string literal, quotes included (escaped as {@link JsonText#quote}). */
  ByteSink jsonString(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    JsonText.quote(sb, s);
    return utf8(sb.toString());
  }
}
