package dev.mad.detect;

/**
 * When the live detector learns: a learning baseline refreshed during the baseline period, the first
 * model when it ends, a retrain every retrain_seconds and a retrain on a level that lasted
 * adapt_seconds. Pure: it is told the sample times, the window's row counts and when work finishes,
 * and answers what is due; it reads no clock and runs nothing.
 */
final class LearningSchedule {
  /** Z-scores start once this many samples exist, i.e. a few seconds after start. */
  static final int MIN_BASELINE_SAMPLES = 5;

  static final long BASELINE_REFRESH_MS = 5_000;

  /** What the caller's window holds: rows not older than {@code fromMs}, the flagged ones only when asked. */
  @FunctionalInterface
  interface RowCount {
    int rows(long fromMs, boolean includeFlagged);
  }

  /** The incident open now, as far as adapting to it matters. */
  record OpenIncident(long id, long startedMs) {}

  enum Phase {
    /** No model yet: the baseline period, judged by the learning baseline's z-scores. */
    LEARNING,
    /** A model is trained. */
    ACTIVE
  }

  /**
   * A training to run now on the window's rows from {@code fromMs}.
   *
   * @param atMs           the sample time it is due at, which the model records as its training time
   * @param rows           how many rows it gets (never fewer than the baseline promises)
   * @param widenedFrom    when the flagged rows had to be added for want of unflagged ones, how many
   *                       unflagged rows there were; -1 when they were not added for that reason
   * @param shortageEnded  the shortage this training ends, or null when there was none
   */
  record Training(
      long atMs,
      long fromMs,
      boolean includeFlagged,
      int rows,
      int widenedFrom,
      String why,
      Shortage shortageEnded) {
    boolean widened() {
      return widenedFrom >= 0;
    }
  }

  /** Training was due but the window held too few rows; it lasts until a training can run. */
  record Shortage(String why, int rows, int needed, long sinceMs) {}

  /**
   * What to do after a sample or a finished training. Null fields mean nothing of that kind.
   *
   * @param refreshBaseline  refit the learning baseline on the window's unflagged rows from {@code fromMs}
   * @param fromMs           where the training window starts now
   * @param training         the training to start
   * @param shortageBegan    training was due and could not run, for the first time since the last training
   */
  record Plan(boolean refreshBaseline, long fromMs, Training training, Shortage shortageBegan) {
    static final Plan NOTHING = new Plan(false, 0, null, null);
  }

  private final long baselineMs;
  private final long windowMs;
  private final long retrainMs;
  private final long adaptMs;
  private final long startupSkipMs;

  /** Rows a model is trained on at least: nine tenths of what the baseline period holds after start-up. */
  private final int baselineSamples;

  private long firstSampleMs = -1;
  private long lastSampleMs;
  private boolean trained;
  private boolean training;
  private boolean refreshingBaseline;
  private long lastTrainStartMs;

  /** When the learning baseline was last due; none yet at first, whatever the sample times. */
  private long lastBaselineMs = Long.MIN_VALUE;

  private long adaptedIncidentId = -1;
  private Shortage shortage;

  /**
   * @param intervalMs    the sampling period, which says how many rows the baseline period holds
   * @param startupSkipMs how long after the first sample the samples start to count (the server's own start-up)
   */
  LearningSchedule(
      long baselineMs,
      long windowMs,
      long retrainMs,
      long adaptMs,
      long intervalMs,
      long startupSkipMs) {
    if (baselineMs <= 0
        || windowMs <= 0
        || retrainMs <= 0
        || adaptMs <= 0
        || intervalMs <= 0
        || startupSkipMs < 0) {
      throw new IllegalArgumentException(
          "periods must be positive (the start-up skip at least 0): baseline "
              + baselineMs
              + ", window "
              + windowMs
              + ", retrain "
              + retrainMs
              + ", adapt "
              + adaptMs
              + ", interval "
              + intervalMs
              + ", start-up skip "
              + startupSkipMs
              + " ms");
    }
    this.baselineMs = baselineMs;
    this.windowMs = windowMs;
    this.retrainMs = retrainMs;
    this.adaptMs = adaptMs;
    this.startupSkipMs = startupSkipMs;
    this.baselineSamples =
        (int)
            Math.max(
                MIN_BASELINE_SAMPLES * 2,
                Math.max(0, baselineMs - startupSkipMs) / intervalMs * 9 / 10);
  }

  long baselineMs() {
    return baselineMs;
  }

  int baselineSamples() {
    return baselineSamples;
  }

  /** Notes a sample's time; call it for every sample before anything else about that sample. */
  void sampleArrived(long nowMs) {
    if (firstSampleMs < 0) {
      firstSampleMs = nowMs;
    }
    lastSampleMs = nowMs;
  }

  /** The server's own start-up loads the CPU; samples this early are no incident and no training data. */
  boolean startingUp(long nowMs) {
    return firstSampleMs < 0 || nowMs - firstSampleMs < startupSkipMs;
  }

  Phase phase() {
    return trained ? Phase.ACTIVE : Phase.LEARNING;
  }

  /** Share of the baseline period elapsed at {@code nowMs}, 1 once a model is trained. */
  double baselineProgress(long nowMs) {
    if (trained) {
      return 1.0;
    }
    return firstSampleMs < 0 ? 0.0 : Math.min(1.0, (nowMs - firstSampleMs) / (double) baselineMs);
  }

  /** What is due at {@code nowMs}, the time of the latest sample. Nothing while a training runs. */
  Plan next(long nowMs, RowCount window, OpenIncident open) {
    if (firstSampleMs < 0) {
      throw new IllegalStateException("no sample has arrived yet");
    }
    if (training) {
      return Plan.NOTHING;
    }
    long fromMs = nowMs - windowMs;
    boolean refresh = false;
    if (!trained
        && !refreshingBaseline
        && (lastBaselineMs == Long.MIN_VALUE || nowMs - lastBaselineMs >= BASELINE_REFRESH_MS)
        && window.rows(fromMs, true) >= MIN_BASELINE_SAMPLES) {
      lastBaselineMs = nowMs;
      if (window.rows(fromMs, false) >= MIN_BASELINE_SAMPLES) {
        refreshingBaseline = true;
        refresh = true;
      }
    }
    if (!trained && nowMs - firstSampleMs >= baselineMs) {
      return train(nowMs, fromMs, false, "baseline complete", window, refresh);
    }
    if (trained && nowMs - lastTrainStartMs >= retrainMs) {
      return train(nowMs, fromMs, false, "scheduled retrain", window, refresh);
    }
    if (open != null && open.id() != adaptedIncidentId && nowMs - open.startedMs() >= adaptMs) {
      // A level that has lasted adapt_seconds is the new normal: learn it, flagged samples
      // included.
      adaptedIncidentId = open.id();
      return train(
          nowMs,
          fromMs,
          true,
          "incident " + open.id() + " lasted " + adaptMs / 1000 + " s; adapting to the new level",
          window,
          refresh);
    }
    return new Plan(refresh, fromMs, null, null);
  }

  private Plan train(
      long nowMs,
      long fromMs,
      boolean includeFlagged,
      String why,
      RowCount window,
      boolean refresh) {
    lastTrainStartMs = nowMs;
    int rows = window.rows(fromMs, includeFlagged);
    int widenedFrom = -1;
    if (rows < baselineSamples && !includeFlagged) {
      // Samples in incidents are kept out of training; when that leaves fewer than the baseline
      // promises (a step change early on), the whole window is learned instead: what lasts is
      // normal.
      int all = window.rows(fromMs, true);
      if (all > rows) {
        widenedFrom = rows;
        rows = all;
        includeFlagged = true;
      }
    }
    if (rows < baselineSamples) {
      if (shortage != null) {
        return new Plan(refresh, fromMs, null, null);
      }
      shortage = new Shortage(why, rows, baselineSamples, nowMs);
      return new Plan(refresh, fromMs, null, shortage);
    }
    training = true;
    Shortage ended = shortage;
    shortage = null;
    return new Plan(
        refresh,
        fromMs,
        new Training(nowMs, fromMs, includeFlagged, rows, widenedFrom, why, ended),
        null);
  }

  /**
   * A model was restored from disk at {@code nowMs}: detection is active at once, and the next
   * scheduled retraining is a retrain period away, when the window has refilled.
   */
  void restored(long nowMs) {
    trained = true;
    lastTrainStartMs = nowMs;
  }

  void baselineRefreshed() {
    refreshingBaseline = false;
  }

  /**
   * Notes that the training started last has finished, and answers what is due at the latest
   * sample's time: samples that arrived meanwhile may have made another step due.
   */
  Plan trainingFinished(boolean succeeded, RowCount window, OpenIncident open) {
    if (!training) {
      throw new IllegalStateException("no training is running");
    }
    training = false;
    trained |= succeeded;
    return next(lastSampleMs, window, open);
  }
}
