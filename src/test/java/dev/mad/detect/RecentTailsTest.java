package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RecentTailsTest {
  private static final double UNIT = 3.0;

  /** Feeds {@code n} samples; metric 0 gets {@code spike} every {@code every} samples from {@code from}, else 0. */
  private static void feed(RecentTails t, int n, int every, double spike, int from) {
    for (int i = 0; i < n; i++) {
      boolean at = every > 0 && i >= from && (i - from) % every == 0;
      t.add(new double[] {at ? spike : 0.5, 0.5}, UNIT);
    }
  }

  @Test
  @DisplayName("a metric becomes routine after ROUTINE separate spikes in the window, not before")
  void routineAfterRepeatedSpikes() {
    RecentTails t = new RecentTails(2);
    int every = RecentTails.GAP * 4;
    // ROUTINE - 1 spikes, then quiet until the tails are recomputed: not yet routine
    feed(t, (RecentTails.ROUTINE - 1) * every, every, 40, 0);
    feed(t, RecentTails.EVERY * 2, 0, 0, 0);
    assertThat(t.tails()[0]).isZero();
    // more spikes of the same size: routine now, at their size
    feed(t, RecentTails.EVERY * 4, every, 40, 0);
    assertThat(t.tails()[0]).isEqualTo(40.0);
    assertThat(t.tails()[1]).as("the quiet metric").isZero();
  }

  @Test
  @DisplayName("one long deviation is one episode: it does not make the next one routine")
  void longDeviationCountsOnce() {
    RecentTails t = new RecentTails(2);
    for (int i = 0; i < 400; i++) {
      boolean on = i >= 100 && i < 300;
      // a long event that flickers below the bar for fewer than GAP samples at a time
      boolean flicker = on && i % 7 == 0;
      t.add(new double[] {on && !flicker ? 25 : 0.5, 0.5}, UNIT);
    }
    assertThat(t.tails()[0]).isZero();
  }

  @Test
  @DisplayName("episodes older than the window stop counting")
  void episodesAgeOut() {
    RecentTails t = new RecentTails(2);
    feed(t, 200, 20, 30, 0);
    assertThat(t.tails()[0]).isEqualTo(30.0);
    feed(t, RecentTails.WINDOW + 2 * RecentTails.EVERY, 0, 0, 0);
    assertThat(t.tails()[0]).isZero();
  }

  @Test
  @DisplayName("many small episodes do not crowd out the large ones the tail is made of")
  void largeEpisodesKept() {
    RecentTails t = new RecentTails(2);
    int every = RecentTails.GAP * 2;
    int episodes = Math.min(RecentTails.KEPT * 3, RecentTails.WINDOW / every - 2);
    assertThat(episodes)
        .as("more episodes than are kept")
        .isGreaterThan(RecentTails.KEPT + RecentTails.ROUTINE);
    for (int e = 0; e < episodes; e++) {
      // the large ones come first, so the small ones that follow would push them out of a plain
      // ring
      double peak = e < RecentTails.ROUTINE ? 90 : 4;
      t.add(new double[] {peak, 0}, UNIT);
      for (int q = 1; q < every; q++) {
        t.add(new double[] {0, 0}, UNIT);
      }
    }
    feed(t, RecentTails.EVERY, 0, 0, 0);
    assertThat(t.tails()[0]).isEqualTo(90.0);
  }

  @Test
  @DisplayName("the tails are a snapshot: recomputing replaces the array instead of changing it")
  void snapshots() {
    RecentTails t = new RecentTails(2);
    double[] before = t.tails();
    feed(t, 300, 20, 30, 0);
    assertThat(before).containsExactly(0.0, 0.0);
    assertThat(t.tails()).isNotSameAs(before);
  }

  @Test
  void rejectsWrongWidth() {
    RecentTails t = new RecentTails(2);
    assertThatThrownBy(() -> t.add(new double[3], UNIT))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RecentTails(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
