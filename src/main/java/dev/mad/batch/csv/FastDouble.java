package dev.mad.batch.csv;

import java.nio.charset.StandardCharsets;

/**
 * Parses the plain decimals metric files are made of ({@code -12.345}) without the general
 * parser's cost, exactly: a mantissa of at most 15 digits and a power of ten up to 10^22 are both
 * exact doubles, so one division rounds correctly (Clinger's fast path). Anything else (exponents,
 * long mantissas, NaN, hex) goes to {@link Double#parseDouble}.
 */
public final class FastDouble {
  private static final double[] POW10 = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  private FastDouble() {}

  /** As {@link Double#parseDouble}, including its NumberFormatException for text that is no number. */
  public static double parse(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return parse(b, 0, b.length);
  }

  /** As {@link Double#parseDouble} for the UTF-8 text in {@code b[from, to)}, without making a String. */
  public static double parse(byte[] b, int from, int to) {
    int i = from;
    boolean negative = false;
    if (i < to && (b[i] == '-' || b[i] == '+')) {
      negative = b[i] == '-';
      i++;
    }
    int first = i;
    long mantissa = 0;
    int digits = 0;
    int fraction = -1;
    for (; i < to; i++) {
      byte c = b[i];
      if (c >= '0' && c <= '9') {
        if (mantissa != 0 || c != '0') {
          digits++;
        }
        mantissa = mantissa * 10 + (c - '0');
        if (fraction >= 0) {
          fraction++;
        }
        if (digits > 15) {
          return slow(b, from, to);
        }
      } else if (c == '.' && fraction < 0) {
        fraction = 0;
      } else {
        return slow(b, from, to);
      }
    }
    if (to - first - (fraction >= 0 ? 1 : 0) <= 0 || fraction > 22) {
      return slow(b, from, to);
    }
    double value = fraction > 0 ? mantissa / POW10[fraction] : mantissa;
    return negative ? -value : value;
  }

  private static double slow(byte[] b, int from, int to) {
    return Double.parseDouble(new String(b, from, to - from, StandardCharsets.UTF_8));
  }
}
