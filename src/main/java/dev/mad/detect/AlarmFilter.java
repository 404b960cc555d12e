package dev.mad.detect;

/**
 * Judges a moment in its context: turns the row-by-row verdicts of {@link AnomalyDetector} into
 * incidents, so that one real event raises one alarm. Streaming and causal (each sample is decided
 * when it arrives, from the samples before it), so live mode and batch analysis share it; not
 * thread-safe, one per host or per analysis. Hand-written: the parts are small, and no library
 * offers this combination over our verdicts.
 *
 * <p>Each part was kept because it paid on labelled real server metrics ({@code bench/quality.sh}):
 * <ul>
 *   <li><b>Smoothing.</b> The sample's level ({@link Verdict#level()}, capped so that one extreme
 *       sample cannot carry the samples after it) is averaged exponentially ({@link #LEVEL_ALPHA}):
 *       a sustained deviation builds up, a lone wobble does not. The reported forest score is smoothed
 *       too, keeping peaks ({@code min(score, ewma)}), so a spike stays as strange as it was.</li>
 *   <li><b>A threshold that adapts.</b> Levels are divided by the {@code 1 - contamination} quantile
 *       of the smoothed level over the last {@link #ADAPT_WINDOW} samples (never below 1), so a shift
 *       between training and now, or a noisy stretch, cannot keep the data flagged.</li>
 *   <li><b>Confirmation.</b> An incident opens on a fired rule (or a value unusual here and high in
 *       absolute terms, {@link Verdict#alarming()}); on a record ({@link RecentRange}); on a smoothed level past
 *       {@code openLevel}; on an extreme forest score whose own level is {@link #STRONG_FACTOR} times
 *       past it; on a flagged sample {@link #CONFIRM_FACTOR} times past it; on a level half again as
 *       high as anything of the last {@link #ADAPT_WINDOW} samples ({@link #NOVEL_FACTOR}); or on a
 *       smoothed level above half of {@code openLevel} for {@link #SUSTAIN_SAMPLES} samples in a row
 *       (a moderate shift that lasts). A flagged sample of ordinary size opens nothing.</li>
 *   <li><b>Hysteresis.</b> An incident stays open while samples are marked (their own evidence at half
 *       the opening bars) or the smoothed level is above half of {@code openLevel}, and closes after
 *       {@code quietSamples} samples without. Only marked samples belong to it, and the flagged samples
 *       just before it opened ({@link Step#leadIn()}).</li>
 * </ul>
 */
public final class AlarmFilter {
  /** Weight of the newest sample in the smoothed level (≈ 10 samples of memory). */
  static final double LEVEL_ALPHA = 0.1;

  /** Weight of the newest sample in the smoothed score. */
  static final double SCORE_ALPHA = 0.15;

  /** Samples over which the level's quantile is taken. */
  static final int ADAPT_WINDOW = 1000;

  /** How often (in samples) the quantile is recomputed, and the samples needed before it is used. */
  static final int ADAPT_EVERY = 50;

  /** A flagged sample opens an incident alone when its own level is this many times the open level. */
  static final double CONFIRM_FACTOR = 9.0;

  /** A sample with an extreme forest score opens an incident when its own level is this many times the open level. */
  static final double STRONG_FACTOR = 2.0;

  /** Samples seen before a level can be news: enough for a recent maximum to mean something. */
  static final int NOVEL_AFTER = 60;

  /** A sample whose level is this many times the recent maximum is news (see {@link #step}). */
  static final double NOVEL_FACTOR = 1.5;

  /** Samples in a row above half the open level that open an incident: a moderate deviation that lasts. */
  static final int SUSTAIN_SAMPLES = 30;

  /** The default open level: 2.5 times as unusual as the recent ordinary extreme. */
  public static final double DEFAULT_OPEN_LEVEL = 2.5;

  /**
   * What happened on one sample.
   *
   * @param level    the smoothed level over the adaptive threshold
   * @param elevated the incident stays open on this sample (or opened on it)
   * @param marked   the sample's own evidence is elevated while an incident is open: it belongs to the incident
   * @param leadIn   on the opening sample, how many flagged samples just before it belong to the incident too
   */
  public record Step(
      double smoothedScore,
      double level,
      boolean elevated,
      boolean marked,
      boolean opened,
      boolean inIncident,
      boolean closed,
      int leadIn) {}

  /** Flagged samples just before an incident opens that are counted as its start, at most. */
  static final int MAX_LEAD_IN = 10;

  private final double openLevel;
  private final double contamination;
  private final int quietSamples;

  private double smoothedLevel;
  private double smoothedScore = Double.NaN;
  private double threshold = 1.0;
  private final double[] recent = new double[ADAPT_WINDOW];

  /** The raw levels of the last {@link #ADAPT_WINDOW} samples, for the recent maximum. */
  private final double[] recentRaw = new double[ADAPT_WINDOW];

  /** The largest raw level of the recent samples (recomputed every {@link #ADAPT_EVERY}, raised as samples arrive). */
  private double recentMax;

  private static final ThreadLocal<double[]> SORTED =
      ThreadLocal.withInitial(() -> new double[ADAPT_WINDOW]); // scratch, per thread not per host
  private long seen;

  private boolean open;
  private int leadIn;

  /** Samples in a row with the smoothed level above half the open level, while no incident is open. */
  private int sustained;

  private long lastElevated = -1;

  /**
   * @param openLevel     normalised level that opens an incident (sensitivity: lower opens more)
   * @param contamination share of recent samples that may lie above the adaptive threshold
   * @param quietSamples  samples below half the open level that close an incident
   */
  public AlarmFilter(double openLevel, double contamination, int quietSamples) {
    if (!(openLevel > 0) || !(contamination > 0 && contamination < 1) || quietSamples < 1) {
      throw new IllegalArgumentException(
          "openLevel "
              + openLevel
              + ", contamination "
              + contamination
              + ", quietSamples "
              + quietSamples);
    }
    this.openLevel = openLevel;
    this.contamination = contamination;
    this.quietSamples = quietSamples;
  }

  /**
   * Feeds the verdict of sample number {@code index} (consecutive, from 0).
   */
  public Step step(long index, Verdict v) {
    return step(index, v.score(), v.level(), v.anomaly(), v.strong(), v.alarming());
  }

  /** As {@link #step(long, Verdict)}, from the verdict's parts. */
  public Step step(
      long index, double score, double ownLevel, boolean anomaly, boolean strong, boolean rule) {
    return step(index, score, ownLevel, anomaly, strong, rule, false);
  }

  /**
   * As {@link #step(long, double, double, boolean, boolean, boolean)}; {@code record}: some metric went
   * beyond everything it did lately ({@link RecentRange}), which is news like a level beyond the recent maximum.
   */
  public Step step(
      long index,
      double score,
      double ownLevel,
      boolean anomaly,
      boolean strong,
      boolean rule,
      boolean record) {
    if (!Double.isNaN(score)) {
      smoothedScore =
          Double.isNaN(smoothedScore)
              ? score
              : SCORE_ALPHA * score + (1 - SCORE_ALPHA) * smoothedScore;
    }
    double shownScore = Double.isNaN(score) ? score : Math.min(score, smoothedScore);
    double raw = Double.isFinite(ownLevel) ? ownLevel : 0.0;
    // A level well beyond everything the recent samples reached is news, whatever the host's usual
    // noise.
    boolean novel =
        record || seen >= NOVEL_AFTER && raw > openLevel / 2 && raw > NOVEL_FACTOR * recentMax;
    // A lone extreme sample must not carry the smoothed level (and the samples after it) along with
    // it.
    double capped = Math.min(raw, 2 * openLevel * threshold);
    smoothedLevel = seen == 0 ? capped : LEVEL_ALPHA * capped + (1 - LEVEL_ALPHA) * smoothedLevel;
    adapt(raw);
    double level = smoothedLevel / threshold;
    double own = raw / threshold;
    double confirm = CONFIRM_FACTOR * openLevel;
    boolean opened = false;
    boolean closed = false;
    boolean elevated;
    boolean marked =
        rule
            || own > openLevel / 2
            || (strong && own > STRONG_FACTOR * openLevel / 2)
            || (anomaly && own > confirm / 2)
            || novel;
    if (!open) {
      sustained = level > openLevel / 2 ? sustained + 1 : 0;
      elevated =
          rule
              || level > openLevel
              || (strong && own > STRONG_FACTOR * openLevel)
              || (anomaly && own > confirm)
              || novel
              || sustained >= SUSTAIN_SAMPLES;
      if (elevated) {
        open = true;
        opened = true;
        sustained = 0;
        marked = true;
        lastElevated = index;
      }
    } else {
      elevated = marked || level > openLevel / 2;
      if (elevated) {
        lastElevated = index;
      } else if (index - lastElevated >= quietSamples) {
        open = false;
        closed = true;
      }
    }
    int lead = opened ? leadIn : 0;
    // samples flagged by the row rules (or marked-worthy) in a row, for the start of the next
    // incident
    leadIn = !open && (anomaly || marked) ? Math.min(MAX_LEAD_IN, leadIn + 1) : 0;
    return new Step(shownScore, level, elevated, marked && open, opened, open, closed, lead);
  }

  /** Records the smoothed level and, every {@link #ADAPT_EVERY} samples, recomputes the threshold. */
  private void adapt(double raw) {
    recent[(int) (seen % ADAPT_WINDOW)] = smoothedLevel;
    recentRaw[(int) (seen % ADAPT_WINDOW)] = raw;
    recentMax = Math.max(recentMax, raw);
    seen++;
    if (seen % ADAPT_EVERY == 0) {
      double m = 0;
      for (int i = 0, n = (int) Math.min(seen, ADAPT_WINDOW); i < n; i++) {
        m = Math.max(m, recentRaw[i]);
      }
      recentMax = m;
    }
    if (seen % ADAPT_EVERY == 0 && seen >= ADAPT_WINDOW / 4) {
      int n = (int) Math.min(seen, ADAPT_WINDOW);
      double[] sorted = SORTED.get();
      System.arraycopy(recent, 0, sorted, 0, n);
      int at = Math.min(n - 1, (int) Math.floor((1 - contamination) * n));
      threshold = Math.max(1.0, Selection.select(sorted, n, at));
    }
  }

  /** The current adaptive threshold (≥ 1), for the status page. */
  public double threshold() {
    return threshold;
  }

  public boolean incidentOpen() {
    return open;
  }
}
