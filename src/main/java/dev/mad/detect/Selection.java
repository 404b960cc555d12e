package dev.mad.detect;

/**
 * The k-th smallest of an array's first n values by Hoare's selection (expected linear time, median
 * of three pivots), for quantiles that must not cost a sort: the forest's contamination threshold
 * and the alarm filter's adaptive threshold. Hand-written because the JDK has no selection.
 */
final class Selection {
  private Selection() {}

  /** The {@code k}-th smallest of {@code a[0..n)}; reorders that part of {@code a}. */
  static double select(double[] a, int n, int k) {
    int lo = 0;
    int hi = n - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      double pivot = medianOfThree(a[lo], a[mid], a[hi]);
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (a[i] < pivot) {
          i++;
        }
        while (a[j] > pivot) {
          j--;
        }
        if (i <= j) {
          double tmp = a[i];
          a[i] = a[j];
          a[j] = tmp;
          i++;
          j--;
        }
      }
      if (k <= j) {
        hi = j;
      } else if (k >= i) {
        lo = i;
      } else {
        return a[k];
      }
    }
    return a[k];
  }

  private static double medianOfThree(double a, double b, double c) {
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
}
