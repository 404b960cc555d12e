package dev.mad.generate;

import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A job that runs at the same time every day (a backup at 02:00, a cron job at 06:00): for {@code
 * minutes} from {@code start} the CPU is at least {@code cpuPercent} (give or take 3 points). It is
 * the host's normal behaviour, so its rows are labelled normal: a detector that learns what recurs
 * daily should stop calling it an anomaly.
 */
public record DailyJob(LocalTime start, int minutes, double cpuPercent) {
  public static final int MAX_JOBS = 24;

  public DailyJob {
    if (minutes < 1 || minutes > 720) {
      throw new IllegalArgumentException("a daily job lasts 1 to 720 minutes, got " + minutes);
    }
    if (!(cpuPercent >= 1 && cpuPercent <= 100)) {
      throw new IllegalArgumentException("a daily job's CPU is 1 to 100 %, got " + cpuPercent);
    }
  }

  /** Whether the job runs at this hour of the day (0 ≤ hour < 24); a job may run past midnight. */
  boolean runsAt(double hourOfDay) {
    // in whole milliseconds, so the job's last minute ends where it should
    long dayMs = 86_400_000L;
    long into =
        Math.floorMod(Math.round(hourOfDay * 3_600_000) - start.toSecondOfDay() * 1000L, dayMs);
    return into < minutes * 60_000L;
  }

  /** Raises the sample's CPU to the job's, varied by the sample's own jitter (no extra randomness). */
  void applyTo(MetricsSample sample) {
    sample.cpuPercent = Math.max(sample.cpuPercent, cpuPercent + 6 * (sample.governorJitter - 0.5));
  }

  /**
   * Parses {@code HH:MM,MINUTES,CPU[;HH:MM,MINUTES,CPU...]}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static List<DailyJob> parseAll(String text) {
    List<DailyJob> jobs = new ArrayList<>();
    for (String part : text.split(";")) {
      String[] f = part.strip().split(",");
      if (f.length != 3) {
        throw new IllegalArgumentException(
            "each job is HH:MM,MINUTES,CPU (e.g. 06:00,10,70), got \"" + part.strip() + "\"");
      }
      LocalTime start;
      try {
        start = LocalTime.parse(f[0].strip());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("\"" + f[0].strip() + "\" is not a time of day HH:MM");
      }
      int minutes;
      double cpu;
      try {
        minutes = Integer.parseInt(f[1].strip());
        cpu = Double.parseDouble(f[2].strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "minutes must be a whole number and CPU a number, got \"" + part.strip() + "\"");
      }
      jobs.add(new DailyJob(start, minutes, cpu));
    }
    if (jobs.size() > MAX_JOBS) {
      throw new IllegalArgumentException("at most " + MAX_JOBS + " daily jobs, got " + jobs.size());
    }
    return List.copyOf(jobs);
  }
}
