package dev.mad.batch;

/** Fixed-point text for scores, without String.format's cost on millions of rows. */
final class Decimals {
  private Decimals() {
  }

  static String fixed4(double v) {
    if (!Double.isFinite(v)) {
      return "";
    }
    long scaled = Math.round(Math.abs(v) * 10_000);
    StringBuilder sb = new StringBuilder(10);
    if (v < 0 && scaled != 0) {
      sb.append('-');
    }
    sb.append(scaled / 10_000).append('.');
    long frac = scaled % 10_000;
    if (frac < 1000) {
      sb.append('0');
    }
    if (frac < 100) {
      sb.append('0');
    }
    if (frac < 10) {
      sb.append('0');
    }
    return sb.append(frac).toString();
  }
}
