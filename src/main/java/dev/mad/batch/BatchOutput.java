package dev.mad.batch;

import dev.mad.detect.Verdict;
import java.io.IOException;
import java.util.List;

/** Receives the results of the scoring pass, row by row, in file order. */
interface BatchOutput {
  void start(List<String> inputHeader, List<String> features) throws IOException;

  /**
   * @param record the row's raw CSV text, exactly as in the input
   * @param values the row's feature values, in the order of {@code features}
   */
  void row(long rowIndex, String record, double[] values, Verdict verdict, String contributions) throws IOException;

  void flagged(BatchResult.FlaggedRow row) throws IOException;
}
