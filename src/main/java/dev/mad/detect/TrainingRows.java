package dev.mad.detect;

import java.util.Objects;

/** Checks shared by everything fitted on rows of features: enough rows, no ragged rows, only finite values. */
final class TrainingRows {
  private TrainingRows() {}

  /**
   * @param what what is being fitted, for the message ("an isolation forest")
   * @return the number of features per row
   */
  static int validate(double[][] rows, int minRows, String what) {
    Objects.requireNonNull(rows, "rows");
    if (rows.length < minRows) {
      throw new IllegalArgumentException(
          "cannot fit "
              + what
              + " on "
              + rows.length
              + " rows; at least "
              + minRows
              + " are needed");
    }
    if (rows[0] == null) {
      throw new IllegalArgumentException("row 0 is null");
    }
    int dims = rows[0].length;
    if (dims == 0) {
      throw new IllegalArgumentException("rows have no features");
    }
    for (int i = 0; i < rows.length; i++) {
      double[] row = rows[i];
      if (row == null) {
        throw new IllegalArgumentException("row " + i + " is null");
      }
      if (row.length != dims) {
        throw new IllegalArgumentException(
            "ragged rows: row " + i + " has " + row.length + " features but row 0 has " + dims);
      }
      checkFinite(row, 0, dims, i);
    }
    return dims;
  }

  static void checkFinite(double[] values, int offset, int length, int row) {
    for (int f = 0; f < length; f++) {
      double v = values[offset + f];
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException(
            "row "
                + row
                + ", feature "
                + f
                + " is "
                + (Double.isNaN(v) ? "NaN" : "infinite")
                + "; only finite values are supported");
      }
    }
  }
}
