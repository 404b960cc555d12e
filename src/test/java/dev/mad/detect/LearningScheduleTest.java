package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The live detector's learning schedule, driven second by second with a window of flagged and unflagged samples. */
class LearningScheduleTest {
  private static final long T0 = 1_700_000_000_000L;

  /** The samples the detector's window would hold: their times and whether each was flagged. */
  private static final class Window implements LearningSchedule.RowCount {
    private final List<long[]> samples = new ArrayList<>();

    void add(long timestampMs, boolean flagged) {
      samples.add(new long[] {timestampMs, flagged ? 1 : 0});
    }

    @Override
    public int rows(long fromMs, boolean includeFlagged) {
      return (int)
          samples.stream().filter(s -> s[0] >= fromMs && (includeFlagged || s[1] == 0)).count();
    }
  }

  private final Window window = new Window();

  /** Baseline 20 s, window 30 s, retrain 10 s, adapt 60 s, a sample a second, no start-up skip: 18 rows promised. */
  private static LearningSchedule schedule() {
    return new LearningSchedule(20_000, 30_000, 10_000, 60_000, 1_000, 0);
  }

  private static long at(int second) {
    return T0 + second * 1000L;
  }

  /** One sample at {@code second}, as the detect verticle handles it: noted, added to the window, then asked. */
  private LearningSchedule.Plan sample(
      LearningSchedule s, int second, boolean flagged, LearningSchedule.OpenIncident open) {
    s.sampleArrived(at(second));
    window.add(at(second), flagged);
    return s.next(at(second), window, open);
  }

  private LearningSchedule.Plan sample(LearningSchedule s, int second) {
    return sample(s, second, false, null);
  }

  /** Runs samples up to the first model and finishes that training; returns the schedule. */
  private LearningSchedule trainedAt20() {
    LearningSchedule s = schedule();
    for (int t = 0; t < 20; t++) {
      sample(s, t);
    }
    assertThat(sample(s, 20).training()).isNotNull();
    assertThat(s.trainingFinished(true, window, null).training()).isNull();
    return s;
  }

  @Test
  @DisplayName(
      "learns during the baseline: no training, phase learning, progress by elapsed sample time")
  void learnsDuringBaseline() {
    LearningSchedule s = schedule();
    assertThat(s.phase()).isEqualTo(LearningSchedule.Phase.LEARNING);
    assertThat(s.baselineProgress(at(0))).isZero();
    for (int t = 0; t < 20; t++) {
      assertThat(sample(s, t).training()).as("training at second %d", t).isNull();
      assertThat(s.phase()).isEqualTo(LearningSchedule.Phase.LEARNING);
    }
    assertThat(s.baselineProgress(at(10))).isEqualTo(0.5);
    assertThat(s.baselineProgress(at(19))).isEqualTo(0.95);
    assertThat(s.baselineProgress(at(40))).as("capped before the model arrives").isEqualTo(1.0);
  }

  @Test
  @DisplayName(
      "refreshes the learning baseline every 5 s once 5 unflagged samples exist, one refresh at a time, "
          + "and stops once a model is trained")
  void refreshesLearningBaseline() {
    LearningSchedule s = schedule();
    List<Integer> refreshedAt = new ArrayList<>();
    for (int t = 0; t < 20; t++) {
      LearningSchedule.Plan plan = sample(s, t);
      if (plan.refreshBaseline()) {
        refreshedAt.add(t);
        assertThat(plan.fromMs()).isEqualTo(at(t) - 30_000);
        if (t != 9) {
          // the refresh due at 9 s is still running at 14 s, so that one waits for the next sample
          // after it ends
          s.baselineRefreshed();
        }
      }
      if (t == 14) {
        s.baselineRefreshed();
      }
    }
    assertThat(refreshedAt).containsExactly(4, 9, 15);
    LearningSchedule.Plan firstModel = sample(s, 20);
    assertThat(firstModel.refreshBaseline())
        .as("5 s after 15 s: one more refresh beside the training")
        .isTrue();
    s.baselineRefreshed();
    s.trainingFinished(true, window, null);
    for (int t = 21; t < 60; t++) {
      LearningSchedule.Plan plan = sample(s, t);
      assertThat(plan.refreshBaseline()).as("refresh at second %d", t).isFalse();
      if (plan.training() != null) {
        s.trainingFinished(true, window, null);
      }
    }
  }

  @Test
  @DisplayName(
      "sample times from 0, where the window starts before time 0, refresh and train the same")
  void timesFromZero() {
    LearningSchedule s = schedule();
    Window fromZero = new Window();
    LearningSchedule.Plan plan = null;
    for (int t = 0; t <= 4; t++) {
      s.sampleArrived(t * 1000L);
      fromZero.add(t * 1000L, false);
      plan = s.next(t * 1000L, fromZero, null);
    }
    assertThat(plan.refreshBaseline()).isTrue();
    assertThat(plan.fromMs()).isEqualTo(-26_000);
  }

  @Test
  @DisplayName(
      "trains the first model when the baseline period ends, on every sample of the window, then is active")
  void firstTrainingAtEndOfBaseline() {
    LearningSchedule s = schedule();
    for (int t = 0; t < 20; t++) {
      sample(s, t);
    }
    LearningSchedule.Training first = sample(s, 20).training();
    assertThat(first).isNotNull();
    assertThat(first.why()).isEqualTo("baseline complete");
    assertThat(first.atMs()).isEqualTo(at(20));
    assertThat(first.rows()).isEqualTo(21);
    assertThat(first.includeFlagged()).isFalse();
    assertThat(first.widened()).isFalse();
    assertThat(first.shortageEnded()).isNull();
    assertThat(s.phase()).as("until the model is there").isEqualTo(LearningSchedule.Phase.LEARNING);

    assertThat(sample(s, 21).training()).as("one training at a time").isNull();
    assertThat(s.trainingFinished(true, window, null).training()).isNull();
    assertThat(s.phase()).isEqualTo(LearningSchedule.Phase.ACTIVE);
    assertThat(s.baselineProgress(at(21))).isEqualTo(1.0);
  }

  @Test
  @DisplayName(
      "retrains every retrain_seconds of sample time, or as soon as a slow training ends past that")
  void retrainsEveryRetrainSeconds() {
    LearningSchedule s = trainedAt20();
    List<Integer> retrainedAt = new ArrayList<>();
    for (int t = 21; t <= 52; t++) {
      LearningSchedule.Plan plan = sample(s, t);
      if (plan.training() != null) {
        retrainedAt.add(t);
        assertThat(plan.training().why()).isEqualTo("scheduled retrain");
        assertThat(plan.training().rows()).as("the 30 s window holds 31 samples").isEqualTo(31);
        if (t != 40) {
          s.trainingFinished(true, window, null);
        }
      }
    }
    assertThat(retrainedAt).containsExactly(30, 40);
    // the training started at 40 s is still running at 52 s; when it ends the retrain is due at
    // once
    LearningSchedule.Training late = s.trainingFinished(true, window, null).training();
    assertThat(late).isNotNull();
    assertThat(late.atMs()).isEqualTo(at(52));
    s.trainingFinished(true, window, null);
    assertThat(sample(s, 61).training()).isNull();
    assertThat(sample(s, 62).training()).isNotNull();
  }

  @Test
  @DisplayName("retraining leaves flagged samples out while enough unflagged ones remain")
  void retrainingExcludesFlagged() {
    LearningSchedule s = trainedAt20();
    for (int t = 21; t < 60; t++) {
      LearningSchedule.Plan plan = sample(s, t, t >= 50 && t < 54, null);
      if (plan.training() != null) {
        s.trainingFinished(true, window, null);
      }
    }
    LearningSchedule.Training retrain = sample(s, 60).training();
    assertThat(retrain).isNotNull();
    assertThat(retrain.includeFlagged()).isFalse();
    assertThat(retrain.rows()).isEqualTo(31 - 4);
    assertThat(retrain.widened()).isFalse();
  }

  @Test
  @DisplayName(
      "a step early in the baseline flags most samples: the first model is trained on time on the whole "
          + "window rather than on fewer samples than the baseline promises")
  void neverFewerThanBaselineWhenFlaggedStarve() {
    LearningSchedule s = schedule();
    assertThat(s.baselineSamples()).isEqualTo(18);
    for (int t = 0; t < 20; t++) {
      sample(s, t, t >= 12, null);
    }
    LearningSchedule.Training first = sample(s, 20, true, null).training();
    assertThat(first).isNotNull();
    assertThat(first.atMs()).isEqualTo(at(20));
    assertThat(first.includeFlagged()).isTrue();
    assertThat(first.widened()).isTrue();
    assertThat(first.widenedFrom()).as("unflagged samples before the step").isEqualTo(12);
    assertThat(first.rows()).isEqualTo(21);
  }

  @Test
  @DisplayName(
      "with fewer samples in the window than the baseline promises it waits, saying so once when the "
          + "shortage begins and once when training resumes")
  void shortageReportedOnce() {
    LearningSchedule s = schedule();
    // a sample every other second: the 20 s baseline holds 11, the 30 s window at most 16, 18 are
    // needed
    List<LearningSchedule.Shortage> began = new ArrayList<>();
    for (int t = 0; t <= 60; t += 2) {
      LearningSchedule.Plan plan = sample(s, t);
      assertThat(plan.training()).as("training at second %d", t).isNull();
      if (plan.shortageBegan() != null) {
        began.add(plan.shortageBegan());
      }
    }
    assertThat(began).hasSize(1);
    assertThat(began.get(0))
        .isEqualTo(new LearningSchedule.Shortage("baseline complete", 11, 18, at(20)));
    assertThat(s.phase()).isEqualTo(LearningSchedule.Phase.LEARNING);

    // samples come every second again: the window [t - 30 s, t] holds 18 at 64 s
    LearningSchedule.Training resumed = null;
    for (int t = 61; resumed == null && t < 90; t++) {
      LearningSchedule.Plan plan = sample(s, t);
      assertThat(plan.shortageBegan()).isNull();
      resumed = plan.training();
    }
    assertThat(resumed).isNotNull();
    assertThat(resumed.atMs()).isEqualTo(at(64));
    assertThat(resumed.rows()).isEqualTo(18);
    assertThat(resumed.shortageEnded()).isEqualTo(began.get(0));
    s.trainingFinished(true, window, null);
    assertThat(sample(s, 65).shortageBegan()).isNull();
  }

  @Test
  @DisplayName(
      "a retrain short of samples waits, retries every retrain_seconds, and a later shortage is said again")
  void retrainShortage() {
    LearningSchedule s = trainedAt20();
    // samples stop after 25 s: the retrain due when they resume at 49 s finds 19..25 s and 49 s in
    // its window
    for (int t = 21; t <= 25; t++) {
      sample(s, t);
    }
    LearningSchedule.Plan gap = sample(s, 49);
    assertThat(gap.training()).isNull();
    assertThat(gap.shortageBegan())
        .isEqualTo(new LearningSchedule.Shortage("scheduled retrain", 8, 18, at(49)));
    assertThat(sample(s, 50).training()).as("not due again before retrain_seconds").isNull();
    LearningSchedule.Plan still = sample(s, 59);
    assertThat(still.training()).isNull();
    assertThat(still.shortageBegan()).as("still short, already said").isNull();
    for (int t = 60; t < 79; t++) {
      LearningSchedule.Plan plan = sample(s, t);
      assertThat(plan.training()).as("training at second %d", t).isNull();
      assertThat(plan.shortageBegan()).isNull();
    }
    // the attempt at 69 s was short too; the one at 79 s has 49, 50, 59 and 60..79 s
    LearningSchedule.Training resumed = sample(s, 79).training();
    assertThat(resumed).isNotNull();
    assertThat(resumed.rows()).isEqualTo(23);
    assertThat(resumed.shortageEnded()).isEqualTo(gap.shortageBegan());
    s.trainingFinished(true, window, null);

    LearningSchedule.Plan again = sample(s, 110);
    assertThat(again.shortageBegan())
        .isEqualTo(new LearningSchedule.Shortage("scheduled retrain", 1, 18, at(110)));
  }

  @Test
  @DisplayName(
      "an incident lasting adapt_seconds makes its level the new normal: one training on every sample, "
          + "flagged ones included, once per incident")
  void adaptsToLastingLevel() {
    // retrain every 1000 s, so only adapting can train after the first model
    LearningSchedule s = new LearningSchedule(20_000, 120_000, 1_000_000, 60_000, 1_000, 0);
    for (int t = 0; t < 20; t++) {
      sample(s, t);
    }
    sample(s, 20);
    s.trainingFinished(true, window, null);
    LearningSchedule.OpenIncident incident = new LearningSchedule.OpenIncident(1, at(100));
    for (int t = 21; t < 160; t++) {
      LearningSchedule.Plan plan = sample(s, t, t >= 100, t >= 100 ? incident : null);
      assertThat(plan.training()).as("training at second %d", t).isNull();
    }
    LearningSchedule.Training adapt = sample(s, 160, true, incident).training();
    assertThat(adapt).isNotNull();
    assertThat(adapt.why()).isEqualTo("incident 1 lasted 60 s; adapting to the new level");
    assertThat(adapt.includeFlagged()).isTrue();
    assertThat(adapt.rows()).as("the 120 s window").isEqualTo(121);
    assertThat(adapt.widened()).isFalse();
    s.trainingFinished(true, window, incident);
    for (int t = 161; t < 300; t++) {
      assertThat(sample(s, t, true, incident).training())
          .as("adapting again at second %d", t)
          .isNull();
    }
    LearningSchedule.OpenIncident next = new LearningSchedule.OpenIncident(2, at(300));
    for (int t = 300; t < 360; t++) {
      assertThat(sample(s, t, true, next).training()).isNull();
    }
    assertThat(sample(s, 360, true, next).training()).isNotNull();
  }

  @Test
  @DisplayName(
      "the start-up skip keeps the first seconds out and out of the promise: 90 % of the rest of the baseline")
  void startUpSkip() {
    LearningSchedule s = new LearningSchedule(60_000, 120_000, 300_000, 600_000, 1_000, 5_000);
    assertThat(s.baselineSamples()).isEqualTo(49);
    s.sampleArrived(at(0));
    assertThat(s.startingUp(at(0))).isTrue();
    assertThat(s.startingUp(at(4))).isTrue();
    assertThat(s.startingUp(at(5))).isFalse();
    assertThat(
            new LearningSchedule(5_000, 10_000, 300_000, 600_000, 1_000, 5_000).baselineSamples())
        .as("never fewer than 10")
        .isEqualTo(10);
  }

  @Test
  @DisplayName(
      "refuses periods that cannot schedule anything and a finished training that never started")
  void refusesNonsense() {
    assertThatThrownBy(() -> new LearningSchedule(20_000, 30_000, 0, 60_000, 1_000, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retrain 0");
    LearningSchedule s = schedule();
    assertThatThrownBy(() -> s.next(at(0), window, null)).isInstanceOf(IllegalStateException.class);
    s.sampleArrived(at(0));
    assertThatThrownBy(() -> s.trainingFinished(true, window, null))
        .isInstanceOf(IllegalStateException.class);
  }
}
