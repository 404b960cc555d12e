package dev.mad.generate;

import static dev.mad.generate.MetricsSample.clamp;

/**
 * The normal behaviour of an office server: busy on weekday working hours, quiet at night and at weekends,
 * with autocorrelated noise, I/O that follows CPU, memory that drifts slowly, and a stepping CPU governor.
 */
final class HostBaseline {

  private static final double NIGHT_CPU_PERCENT = 5;
  private static final double WORKING_HOURS_EXTRA_CPU_PERCENT = 33;

  /** Normal load never reaches the 85 % floor of a CPU spike, so a spike stays recognisable. */
  private static final double NORMAL_CPU_CEILING_PERCENT = 78;

  private static final double CPU_NOISE_TAU_SECONDS = 300;
  private static final double CPU_NOISE_LOG_SD = 0.2;
  private static final double IO_NOISE_TAU_SECONDS = 120;
  private static final double IO_NOISE_LOG_SD = 0.4;
  private static final double NETWORK_NOISE_LOG_SD = 0.45;

  private static final double IDLE_MEMORY_PERCENT = 36;
  private static final double WORKING_HOURS_EXTRA_MEMORY_PERCENT = 12;

  /** Hours, not minutes: memory is the slow metric. */
  private static final double MEMORY_TAU_SECONDS = 3 * 3600;

  private static final double MEMORY_DRIFT_SD_PERCENT = 5;
  private static final double MIN_NORMAL_MEMORY_PERCENT = 15;
  private static final double MAX_NORMAL_MEMORY_PERCENT = 75;

  private static final double MIN_FREQUENCY_MHZ = 2400;
  private static final double FREQUENCY_STEP_MHZ = 200;
  private static final int MAX_FREQUENCY_STEP = 6;

  /** The load at which the governor reaches its top step. */
  private static final double FULL_CLOCK_CPU_PERCENT = 60;

  private final SeededNoise noise;
  private final Ar1 cpuNoise;
  private final Ar1 diskReadNoise;
  private final Ar1 diskWriteNoise;
  private final Ar1 networkSentNoise;
  private final Ar1 networkRecvNoise;
  private final double memoryPersistence;
  private final double memoryInnovationSd;
  private double memoryPercent = Double.NaN;

  HostBaseline(SeededNoise noise, double intervalSeconds) {
    this.noise = noise;
    this.cpuNoise = new Ar1(noise, intervalSeconds, CPU_NOISE_TAU_SECONDS, CPU_NOISE_LOG_SD);
    this.diskReadNoise = new Ar1(noise, intervalSeconds, IO_NOISE_TAU_SECONDS, IO_NOISE_LOG_SD);
    this.diskWriteNoise = new Ar1(noise, intervalSeconds, IO_NOISE_TAU_SECONDS, IO_NOISE_LOG_SD);
    this.networkSentNoise =
        new Ar1(noise, intervalSeconds, IO_NOISE_TAU_SECONDS, NETWORK_NOISE_LOG_SD);
    this.networkRecvNoise =
        new Ar1(noise, intervalSeconds, IO_NOISE_TAU_SECONDS, NETWORK_NOISE_LOG_SD);
    this.memoryPersistence = StrictMath.exp(-intervalSeconds / MEMORY_TAU_SECONDS);
    this.memoryInnovationSd =
        MEMORY_DRIFT_SD_PERCENT * StrictMath.sqrt(1 - memoryPersistence * memoryPersistence);
  }

  void next(double hourOfDay, boolean weekend, MetricsSample sample) {
    double activity = officeActivity(hourOfDay, weekend);

    double cpuMean = NIGHT_CPU_PERCENT + WORKING_HOURS_EXTRA_CPU_PERCENT * activity;
    // Multiplicative noise: a quiet machine wobbles by a few points, a busy one by more.
    double cpu = cpuMean * StrictMath.exp(cpuNoise.next()) + 0.8 * noise.gaussian();
    sample.cpuPercent = clamp(cpu, 0.2, NORMAL_CPU_CEILING_PERCENT);

    sample.diskReadMb = (0.15 + 0.07 * sample.cpuPercent) * StrictMath.exp(diskReadNoise.next());
    sample.diskWriteMb = (0.10 + 0.04 * sample.cpuPercent) * StrictMath.exp(diskWriteNoise.next());
    sample.networkSentMb =
        (0.05 + 0.025 * sample.cpuPercent) * StrictMath.exp(networkSentNoise.next());
    sample.networkRecvMb =
        (0.08 + 0.035 * sample.cpuPercent) * StrictMath.exp(networkRecvNoise.next());

    // Mean-reverting random walk towards a working set that grows during the day, so memory lags
    // the load.
    double memoryMean = IDLE_MEMORY_PERCENT + WORKING_HOURS_EXTRA_MEMORY_PERCENT * activity;
    memoryPercent =
        Double.isNaN(memoryPercent)
            ? memoryMean + MEMORY_DRIFT_SD_PERCENT * noise.gaussian()
            : memoryMean
                + memoryPersistence * (memoryPercent - memoryMean)
                + memoryInnovationSd * noise.gaussian();
    memoryPercent = clamp(memoryPercent, MIN_NORMAL_MEMORY_PERCENT, MAX_NORMAL_MEMORY_PERCENT);
    sample.memoryPercent = memoryPercent + 0.25 * noise.gaussian();

    sample.governorJitter = noise.uniform();
    sample.thermallyThrottled = false;
  }

  /** 0 at night, about 1 in the middle of a working day, with a dip at lunch; weekends stay low. */
  static double officeActivity(double hourOfDay, boolean weekend) {
    double office = logistic((hourOfDay - 8.5) / 0.7) * logistic((17.5 - hourOfDay) / 0.9);
    double lunch = (hourOfDay - 12.75) / 0.6;
    double busy = Math.max(0, office - 0.15 * StrictMath.exp(-lunch * lunch));
    return weekend ? 0.3 * busy : busy;
  }

  /**
   * An ondemand-style governor: a few frequency steps chosen by load, sometimes one step off; an idle core
   * sits at the bottom step. A throttled CPU is held at the bottom two steps whatever its load.
   */
  static double governedFrequencyMhz(double cpuPercent, double jitter, boolean thermallyThrottled) {
    if (thermallyThrottled) {
      return MIN_FREQUENCY_MHZ + (jitter < 0.5 ? 0 : FREQUENCY_STEP_MHZ);
    }
    int step = (int) (MAX_FREQUENCY_STEP * Math.min(1, cpuPercent / FULL_CLOCK_CPU_PERCENT) + 0.3);
    if (jitter < 0.08) {
      step--;
    } else if (jitter < 0.16) {
      step++;
    }
    step = Math.max(0, Math.min(MAX_FREQUENCY_STEP, step));
    return MIN_FREQUENCY_MHZ + FREQUENCY_STEP_MHZ * step;
  }

  private static double logistic(double x) {
    return 1 / (1 + StrictMath.exp(-x));
  }

  /**
   * First-order autoregressive noise. The persistence comes from a time constant rather than a per-row
   * coefficient, so the series looks equally smooth in wall-clock terms whatever the sampling interval.
   */
  private static final class Ar1 {
    private final SeededNoise noise;
    private final double persistence;
    private final double innovationSd;
    private double value;

    Ar1(SeededNoise noise, double intervalSeconds, double tauSeconds, double stationarySd) {
      this.noise = noise;
      this.persistence = StrictMath.exp(-intervalSeconds / tauSeconds);
      this.innovationSd = stationarySd * StrictMath.sqrt(1 - persistence * persistence);
      this.value = stationarySd * noise.gaussian();
    }

    double next() {
      value = persistence * value + innovationSd * noise.gaussian();
      return value;
    }
  }
}
