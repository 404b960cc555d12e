package dev.mad.batch.csv;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Month;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;

/**
 * Reads the timestamp forms users' files contain: ISO-8601 with or without zone,
 * {@code YYYY-MM-DD HH:MM:SS[.ffffff]}, and epoch seconds or milliseconds. Times without a zone
 * are local time. The common forms are parsed by hand because this runs once per row.
 */
public final class TimestampParser {
  /** Epoch values above this are milliseconds (1e11 s is in the year 5138). */
  private static final double MILLIS_FROM = 1e11;

  private final ZoneId zone;
  private final ZoneRules rules;

  /** The zone's offset over a span of instants without transitions (a day kept clear at both ends). */
  private int cachedOffset;

  private long cachedFrom = Long.MAX_VALUE;
  private long cachedTo = Long.MIN_VALUE;

  /** Not thread-safe (it caches the zone offset): one per thread. */
  public TimestampParser(ZoneId zone) {
    this.zone = zone;
    this.rules = zone.getRules();
    if (rules.isFixedOffset()) {
      cachedOffset = rules.getOffset(Instant.EPOCH).getTotalSeconds();
      cachedFrom = Long.MIN_VALUE;
      cachedTo = Long.MAX_VALUE;
    }
  }

  /**
   * As {@link #parse(String)} for the UTF-8 text in {@code b[from, to)}; the usual forms
   * ({@code YYYY-MM-DD HH:MM:SS[.f]} and epoch numbers) without making a String.
   */
  public long parse(byte[] b, int from, int to) {
    long fast = fast(b, from, to);
    return fast != Long.MIN_VALUE
        ? fast
        : parse(new String(b, from, to - from, StandardCharsets.UTF_8));
  }

  /** The plain local form or an epoch number, or MIN_VALUE for any other form. */
  private long fast(byte[] b, int from, int to) {
    int n = to - from;
    if (n >= 19 && b[from + 4] == '-') {
      return fastLocal(b, from, to);
    }
    if (n >= 5 && isEpoch(b, from, to)) {
      double v = FastDouble.parse(b, from, to);
      return v >= MILLIS_FROM ? (long) v : Math.round(v * 1000);
    }
    return Long.MIN_VALUE;
  }

  private static boolean isEpoch(byte[] b, int from, int to) {
    int dots = 0;
    for (int i = from; i < to; i++) {
      byte c = b[i];
      if (c == '.') {
        dots++;
      } else if (c < '0' || c > '9') {
        return false;
      }
    }
    return dots <= 1;
  }

  /**
   * {@code YYYY-MM-DD[ T]HH:MM:SS[.f…]} without zone, or MIN_VALUE when the text has another form;
   * throws for a date or time that does not exist (February 30, 25:00).
   */
  private long fastLocal(byte[] b, int from, int to) {
    int n = to - from;
    if (b[from + 7] != '-'
        || (b[from + 10] != ' ' && b[from + 10] != 'T')
        || b[from + 13] != ':'
        || b[from + 16] != ':') {
      return Long.MIN_VALUE;
    }
    int year = digits(b, from, from + 4);
    int month = digits(b, from + 5, from + 7);
    int day = digits(b, from + 8, from + 10);
    int hour = digits(b, from + 11, from + 13);
    int minute = digits(b, from + 14, from + 16);
    int second = digits(b, from + 17, from + 19);
    int nanos = 0;
    if (n > 19) {
      if (b[from + 19] != '.' || n == 20 || n > 29) {
        return Long.MIN_VALUE;
      }
      int frac = digits(b, from + 20, to);
      if (frac < 0) {
        return Long.MIN_VALUE;
      }
      nanos = frac * POW10[9 - (n - 20)];
    }
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
      return Long.MIN_VALUE;
    }
    if (month < 1
        || month > 12
        || day < 1
        || day > Month.of(month).length(Year.isLeap(year))
        || hour > 23
        || minute > 59
        || second > 59) {
      throw new IllegalArgumentException(
          "not a valid date or time: '"
              + shorten(new String(b, from, n, StandardCharsets.UTF_8))
              + "'");
    }
    long local =
        LocalDate.of(year, month, day).toEpochDay() * 86_400 + hour * 3600 + minute * 60 + second;
    long guess = local - cachedOffset;
    if (guess < cachedFrom || guess >= cachedTo) {
      ZonedDateTime zoned = LocalDateTime.ofEpochSecond(local, 0, ZoneOffset.UTC).atZone(zone);
      Instant at = zoned.toInstant();
      ZoneOffsetTransition before = rules.previousTransition(at);
      ZoneOffsetTransition after = rules.nextTransition(at);
      cachedOffset = zoned.getOffset().getTotalSeconds();
      cachedFrom = before == null ? Long.MIN_VALUE : before.toEpochSecond() + 86_400;
      cachedTo = after == null ? Long.MAX_VALUE : after.toEpochSecond() - 86_400;
      if (guess < cachedFrom || guess >= cachedTo) {
        // within a day of a change of offset: let java.time resolve gaps and overlaps
        return zoned.toInstant().toEpochMilli() + nanos / 1_000_000;
      }
    }
    return (local - cachedOffset) * 1000 + nanos / 1_000_000;
  }

  private static final int[] POW10 = {
    1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000
  };

  private static int digits(byte[] b, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      byte c = b[i];
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Epoch milliseconds of {@code text}; throws IllegalArgumentException when it is no timestamp. */
  public long parse(String text) {
    String t = text.trim();
    if (t.isEmpty()) {
      throw new IllegalArgumentException("empty timestamp");
    }
    byte[] b = t.getBytes(StandardCharsets.UTF_8);
    long fast = fast(b, 0, b.length);
    if (fast != Long.MIN_VALUE) {
      return fast;
    }
    if (t.charAt(0) < '0' || t.charAt(0) > '9') {
      throw new IllegalArgumentException("not a timestamp: '" + shorten(t) + "'");
    }
    String iso =
        t.length() > 10 && t.charAt(10) == ' ' ? t.substring(0, 10) + 'T' + t.substring(11) : t;
    try {
      if (hasZone(iso)) {
        return OffsetDateTime.parse(
                iso.endsWith("z") ? iso.substring(0, iso.length() - 1) + "Z" : iso)
            .toInstant()
            .toEpochMilli();
      }
      if (iso.length() == 10) {
        return LocalDate.parse(iso).atStartOfDay(zone).toInstant().toEpochMilli();
      }
      return LocalDateTime.parse(iso).atZone(zone).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a timestamp: '" + shorten(t) + "'");
    }
  }

  private static boolean hasZone(String iso) {
    if (iso.endsWith("Z") || iso.endsWith("z")) {
      return true;
    }
    int t = iso.indexOf('T');
    return t > 0 && (iso.indexOf('+', t) > 0 || iso.indexOf('-', t) > 0);
  }

  private static String shorten(String t) {
    return t.length() > 40 ? t.substring(0, 40) + "…" : t;
  }
}
