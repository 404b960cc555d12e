package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RandomSubsetTest {

  @Test
  @DisplayName("k distinct indices, all in [0, n), for small, full, empty and beyond-int ranges")
  void distinctAndInRange() {
    SplittableRandom random = new SplittableRandom(11);
    long[][] cases = {
      {1, 1},
      {2, 1},
      {10, 0},
      {10, 9},
      {10, 10},
      {256, 255},
      {1_000_000, 256},
      {200_000, 20_000},
      {5_000_000_000L, 20_000}
    };
    for (long[] c : cases) {
      long n = c[0];
      int k = (int) c[1];
      long[] drawn = RandomSubset.indices(n, k, random::nextLong);
      assertThat(drawn).as("n %d, k %d", n, k).hasSize(k);
      assertThat(Arrays.stream(drawn).distinct().count())
          .as("distinct, n %d, k %d", n, k)
          .isEqualTo(k);
      assertThat(Arrays.stream(drawn).min().orElse(0))
          .as("lowest, n %d, k %d", n, k)
          .isGreaterThanOrEqualTo(0);
      assertThat(Arrays.stream(drawn).max().orElse(0))
          .as("highest, n %d, k %d", n, k)
          .isLessThan(n);
    }
    assertThat(
            Arrays.stream(RandomSubset.indices(5_000_000_000L, 3, random::nextLong))
                .max()
                .orElseThrow())
        .isGreaterThan(Integer.MAX_VALUE);
  }

  @Test
  @DisplayName(
      "every k-subset is about equally likely (chi-square over the 15 pairs of 6), every index k/n of the time")
  void uniform() {
    SplittableRandom random = new SplittableRandom(2024);
    int trials = 150_000;
    Map<String, Integer> counts = new HashMap<>();
    for (int t = 0; t < trials; t++) {
      long[] pair = RandomSubset.indices(6, 2, random::nextLong);
      Arrays.sort(pair);
      counts.merge(Arrays.toString(pair), 1, Integer::sum);
    }
    assertThat(counts).hasSize(15);
    double expected = trials / 15.0;
    double chiSquare =
        counts.values().stream().mapToDouble(c -> (c - expected) * (c - expected) / expected).sum();
    // 14 degrees of freedom: P(chi-square > 36.1) = 0.001. Floyd with its bounds off by one
    // (nextLong(j) for nextLong(j + 1)) scores about 30 000 here.
    assertThat(chiSquare).isLessThan(36.1);

    int n = 1000;
    int k = 100;
    int[] hits = new int[n];
    for (int t = 0; t < 2_000; t++) {
      for (long i : RandomSubset.indices(n, k, bound -> random.nextInt((int) bound))) {
        hits[(int) i]++;
      }
    }
    // each index is in a subset with probability k/n = 0.1: 200 of 2000 draws, sd about 13.4
    assertThat(Arrays.stream(hits).min().orElseThrow()).isGreaterThan(130);
    assertThat(Arrays.stream(hits).max().orElseThrow()).isLessThan(270);
    assertThat(Arrays.stream(hits, 0, n / 2).sum()).isBetween(99_000, 101_000);
  }

  @Test
  @DisplayName(
      "draws exactly what the forest's and the batch analysis's own Floyd loops drew for a seed")
  void sameDrawsAsBefore() {
    for (long seed : new long[] {0, 7, 42, -3}) {
      // the forest drew a tree's subsample with nextInt, in draw order
      SplittableRandom forest = new SplittableRandom(seed);
      SplittableRandom forestReference = new SplittableRandom(seed);
      long[] forestDrawn = RandomSubset.indices(2000, 256, bound -> forest.nextInt((int) bound));
      assertThat(forestDrawn).containsExactly(floydReference(2000, 256, forestReference, true));
      // ...and went on growing the tree from the same generator
      assertThat(forest.nextLong()).isEqualTo(forestReference.nextLong());

      // the batch analysis drew its training rows with nextLong and kept them as a sorted set
      SplittableRandom batch = new SplittableRandom(seed);
      long[] batchDrawn = RandomSubset.indices(200_000, 20_000, batch::nextLong);
      Arrays.sort(batchDrawn);
      long[] batchReference = floydReference(200_000, 20_000, new SplittableRandom(seed), false);
      Arrays.sort(batchReference);
      assertThat(batchDrawn).containsExactly(batchReference);
    }
  }

  @Test
  @DisplayName(
      "k = n gives 0..n-1 in order without drawing, so the generator's next numbers are unchanged")
  void wholeRangeDrawsNothing() {
    SplittableRandom random = new SplittableRandom(5);
    assertThat(RandomSubset.indices(4, 4, random::nextLong)).containsExactly(0, 1, 2, 3);
    assertThat(random.nextLong()).isEqualTo(new SplittableRandom(5).nextLong());
    assertThat(RandomSubset.indices(0, 0, random::nextLong)).isEmpty();
  }

  @Test
  @DisplayName(
      "impossible requests and a generator out of its bound are refused with explicit messages")
  void validation() {
    SplittableRandom random = new SplittableRandom(1);
    assertThatThrownBy(() -> RandomSubset.indices(3, 4, random::nextLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot draw 4 distinct indices from [0, 3)");
    assertThatThrownBy(() -> RandomSubset.indices(3, -1, random::nextLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot draw -1 distinct indices from [0, 3)");
    assertThatThrownBy(() -> RandomSubset.indices(10, 2, bound -> bound))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("uniformBelow(9) returned 9");
  }

  /** Floyd's algorithm as both callers wrote it before, with a set: the draws in order. */
  private static long[] floydReference(long n, int k, SplittableRandom random, boolean nextInt) {
    Set<Long> chosen = new LinkedHashSet<>();
    Set<Long> seen = new HashSet<>();
    for (long j = n - k; j < n; j++) {
      long t = nextInt ? random.nextInt((int) (j + 1)) : random.nextLong(j + 1);
      long pick = seen.contains(t) ? j : t;
      seen.add(pick);
      chosen.add(pick);
    }
    return chosen.stream().mapToLong(Long::longValue).toArray();
  }
}
