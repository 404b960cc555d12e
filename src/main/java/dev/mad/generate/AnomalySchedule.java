package dev.mad.generate;

/** Decides where anomaly episodes start so that, on average, the requested fraction of rows is anomalous. */
final class AnomalySchedule {

  /** Normal rows kept between episodes, so each episode is a separate, countable event. */
  static final int MIN_QUIET_ROWS = 2;

  private static final AnomalyType[] TYPES = AnomalyType.values();

  private final SeededNoise noise;
  private final double startProbability;
  private final long[] episodesByType = new long[TYPES.length];
  private AnomalyEpisode current;
  private int quietRows = MIN_QUIET_ROWS;

  AnomalySchedule(SeededNoise noise, double anomalyRate) {
    this.noise = noise;
    this.startProbability = startProbability(anomalyRate);
  }

  /*
   * A renewal process: an episode of mean length L, MIN_QUIET_ROWS normal rows, then a geometric wait
   * with mean (1 - p) / p before the next start. The anomalous fraction L / (L + MIN_QUIET_ROWS + (1 - p) / p)
   * equals the rate when the wait is L (1 - rate) / rate - MIN_QUIET_ROWS, which is never negative for
   * rates up to 0.5 because L exceeds MIN_QUIET_ROWS.
   */
  static double startProbability(double anomalyRate) {
    if (anomalyRate <= 0) {
      return 0;
    }
    double meanEpisodeRows = AnomalyType.meanEpisodeRows();
    double meanWaitRows = meanEpisodeRows * (1 - anomalyRate) / anomalyRate - MIN_QUIET_ROWS;
    return 1 / (1 + Math.max(0, meanWaitRows));
  }

  /** The episode the next row belongs to, or null for a normal row. */
  AnomalyEpisode episodeForNextRow() {
    if (current != null && current.finished()) {
      current = null;
      quietRows = 0;
    }
    if (current == null) {
      if (quietRows >= MIN_QUIET_ROWS
          && startProbability > 0
          && noise.uniform() < startProbability) {
        AnomalyType type = TYPES[noise.intBetween(0, TYPES.length - 1)];
        current = AnomalyEpisode.begin(type, noise);
        episodesByType[type.ordinal()]++;
      } else if (quietRows < MIN_QUIET_ROWS) {
        quietRows++;
      }
    }
    return current;
  }

  long episodes(AnomalyType type) {
    return episodesByType[type.ordinal()];
  }
}
