package dev.mad.generate;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The timestamp of each row, written as {@code yyyy-MM-dd HH:mm:ss.SSSSSS} like the seed's files. Formats by hand
 * and builds a date object only when the day changes, because a formatter per row dominated the run time.
 */
final class SampleClock {

  private static final long MICROS_PER_SECOND = 1_000_000;
  private static final long SECONDS_PER_DAY = 86_400;

  private final long startEpochMicros;
  private final long intervalMicros;

  private long epochDay = Long.MIN_VALUE;
  private String datePrefix;
  private boolean weekend;
  private long secondOfDay;
  private long microOfSecond;

  SampleClock(LocalDateTime start, long intervalMicros) {
    this.startEpochMicros =
        Math.addExact(
            Math.multiplyExact(start.toEpochSecond(ZoneOffset.UTC), MICROS_PER_SECOND),
            start.getNano() / 1_000);
    this.intervalMicros = intervalMicros;
  }

  /** The timestamp of a row, for checks done before writing starts; throws if it cannot be represented. */
  static LocalDateTime timestampOfRow(LocalDateTime start, long intervalMicros, long row) {
    long offsetMicros = Math.multiplyExact(row, intervalMicros);
    return start
        .plusSeconds(offsetMicros / MICROS_PER_SECOND)
        .plusNanos(offsetMicros % MICROS_PER_SECOND * 1_000);
  }

  void moveToRow(long row) {
    long epochMicros = startEpochMicros + row * intervalMicros;
    long epochSecond = Math.floorDiv(epochMicros, MICROS_PER_SECOND);
    microOfSecond = Math.floorMod(epochMicros, MICROS_PER_SECOND);
    long day = Math.floorDiv(epochSecond, SECONDS_PER_DAY);
    secondOfDay = Math.floorMod(epochSecond, SECONDS_PER_DAY);
    if (day != epochDay) {
      epochDay = day;
      LocalDate date = LocalDate.ofEpochDay(day);
      datePrefix = date + " ";
      weekend =
          date.getDayOfWeek() == DayOfWeek.SATURDAY || date.getDayOfWeek() == DayOfWeek.SUNDAY;
    }
  }

  double hourOfDay() {
    return (secondOfDay + microOfSecond / (double) MICROS_PER_SECOND) / 3600.0;
  }

  boolean weekend() {
    return weekend;
  }

  void appendTimestamp(StringBuilder out) {
    out.append(datePrefix);
    appendPadded(out, secondOfDay / 3600, 2);
    out.append(':');
    appendPadded(out, secondOfDay / 60 % 60, 2);
    out.append(':');
    appendPadded(out, secondOfDay % 60, 2);
    out.append('.');
    appendPadded(out, microOfSecond, 6);
  }

  private static void appendPadded(StringBuilder out, long value, int width) {
    for (long limit = 10, digits = 1; digits < width; limit *= 10, digits++) {
      if (value < limit) {
        out.append('0');
      }
    }
    out.append(value);
  }
}
