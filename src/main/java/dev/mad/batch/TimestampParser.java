package dev.mad.batch;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * Reads the timestamp forms users' files contain: ISO-8601 with or without zone,
 * {@code YYYY-MM-DD HH:MM:SS[.ffffff]}, and epoch seconds or milliseconds. Times without a zone
 * are local time. The common forms are parsed by hand because this runs once per row.
 */
final class TimestampParser {
  /** Epoch values above this are milliseconds (1e11 s is in the year 5138). */
  private static final double MILLIS_FROM = 1e11;

  private final ZoneId zone;

  TimestampParser(ZoneId zone) {
    this.zone = zone;
  }

  /** Epoch milliseconds of {@code text}; throws IllegalArgumentException when it is no timestamp. */
  long parse(String text) {
    String t = text.trim();
    if (t.isEmpty()) {
      throw new IllegalArgumentException("empty timestamp");
    }
    char c0 = t.charAt(0);
    if (isEpoch(t)) {
      double v = Double.parseDouble(t);
      return v >= MILLIS_FROM ? (long) v : Math.round(v * 1000);
    }
    if (c0 < '0' || c0 > '9') {
      throw new IllegalArgumentException("not a timestamp: '" + shorten(t) + "'");
    }
    long fast = fastLocal(t);
    if (fast != Long.MIN_VALUE) {
      return fast;
    }
    String iso = t.length() > 10 && t.charAt(10) == ' ' ? t.substring(0, 10) + 'T' + t.substring(11) : t;
    try {
      if (hasZone(iso)) {
        return OffsetDateTime.parse(iso.endsWith("z") ? iso.substring(0, iso.length() - 1) + "Z" : iso)
            .toInstant().toEpochMilli();
      }
      if (iso.length() == 10) {
        return java.time.LocalDate.parse(iso).atStartOfDay(zone).toInstant().toEpochMilli();
      }
      return LocalDateTime.parse(iso).atZone(zone).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a timestamp: '" + shorten(t) + "'");
    }
  }

  private static boolean isEpoch(String t) {
    int dots = 0;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '.') {
        dots++;
      } else if (c < '0' || c > '9') {
        return false;
      }
    }
    return dots <= 1 && t.length() >= 5 && t.indexOf('-') < 0;
  }

  private static boolean hasZone(String iso) {
    if (iso.endsWith("Z") || iso.endsWith("z")) {
      return true;
    }
    int t = iso.indexOf('T');
    return t > 0 && (iso.indexOf('+', t) > 0 || iso.indexOf('-', t) > 0);
  }

  /** {@code YYYY-MM-DD[ T]HH:MM:SS[.f…]} without zone, or MIN_VALUE when the text has another form. */
  private long fastLocal(String t) {
    int n = t.length();
    if (n < 19 || t.charAt(4) != '-' || t.charAt(7) != '-' || (t.charAt(10) != ' ' && t.charAt(10) != 'T')
        || t.charAt(13) != ':' || t.charAt(16) != ':') {
      return Long.MIN_VALUE;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 7);
    int day = digits(t, 8, 10);
    int hour = digits(t, 11, 13);
    int minute = digits(t, 14, 16);
    int second = digits(t, 17, 19);
    int nanos = 0;
    if (n > 19) {
      if (t.charAt(19) != '.' || n == 20 || n > 29) {
        return Long.MIN_VALUE;
      }
      int frac = digits(t, 20, n);
      if (frac < 0) {
        return Long.MIN_VALUE;
      }
      nanos = frac * (int) Math.pow(10, 9 - (n - 20));
    }
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
      return Long.MIN_VALUE;
    }
    try {
      LocalDateTime local = LocalDateTime.of(year, month, day, hour, minute, second, nanos);
      return local.atZone(zone).toInstant().toEpochMilli();
    } catch (java.time.DateTimeException e) {
      throw new IllegalArgumentException("not a valid date or time: '" + shorten(t) + "'");
    }
  }

  private static int digits(String t, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static String shorten(String t) {
    return t.length() > 40 ? t.substring(0, 40) + "…" : t;
  }
}
