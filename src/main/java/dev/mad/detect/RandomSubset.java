package dev.mad.detect;

import java.util.Arrays;
import java.util.function.LongUnaryOperator;

/**
 * k distinct indices from [0, n), each k-subset equally likely, by Floyd's algorithm: O(k) time and
 * memory however large n is. The forest draws its per-tree subsample with it, the batch analysis its
 * training rows.
 */
public final class RandomSubset {
  private RandomSubset() {}

  /**
   * Draws the subset. {@code uniformBelow.applyAsLong(bound)} must return a uniform value in
   * [0, bound); it is called exactly k times, with bounds n - k + 1 up to n, unless k == n, when
   * the answer is every index in order and nothing is drawn. The caller picks the generator call
   * (for {@link java.util.SplittableRandom} nextInt and nextLong give different streams), so a
   * seed keeps selecting the rows it always did.
   *
   * @return the indices in the order they were drawn
   */
  public static long[] indices(long n, int k, LongUnaryOperator uniformBelow) {
    if (k < 0 || k > n) {
      throw new IllegalArgumentException(
          "cannot draw " + k + " distinct indices from [0, " + n + ")");
    }
    long[] out = new long[k];
    if (k == n) {
      for (int i = 0; i < k; i++) {
        out[i] = i;
      }
      return out;
    }
    // Open addressing at most half full, -1 marking a free slot.
    int capacity = Integer.highestOneBit(Math.max(2, k) * 2 - 1) << 1;
    int shift = 64 - Integer.numberOfTrailingZeros(capacity);
    long[] table = new long[capacity];
    Arrays.fill(table, -1L);
    int m = 0;
    for (long j = n - k; j < n; j++) {
      long candidate = uniformBelow.applyAsLong(j + 1);
      if (candidate < 0 || candidate > j) {
        throw new IllegalStateException("uniformBelow(" + (j + 1) + ") returned " + candidate);
      }
      if (!insert(table, shift, candidate)) {
        // j is always free here: every index taken so far is below j.
        candidate = j;
        insert(table, shift, j);
      }
      out[m++] = candidate;
    }
    return out;
  }

  /** Adds {@code value} unless present; returns whether it was added. */
  private static boolean insert(long[] table, int shift, long value) {
    int mask = table.length - 1;
    // Fibonacci hashing: the top bits of the product spread consecutive indices over the table.
    int slot = (int) ((value * 0x9E3779B97F4A7C15L) >>> shift);
    while (table[slot] != -1L) {
      if (table[slot] == value) {
        return false;
      }
      slot = (slot + 1) & mask;
    }
    table[slot] = value;
    return true;
  }
}
