package dev.mad.batch;

import dev.mad.detect.Verdict;
import java.io.IOException;
import java.util.List;
import org.apache.commons.csv.CSVRecord;

/** Receives the results of the scoring pass, row by row, in file order. */
interface BatchOutput {
  void start(List<String> inputHeader, List<String> features) throws IOException;

  /**
   * @param values the row's feature values, in the order of {@code features}
   */
  void row(long rowIndex, CSVRecord record, double[] values, Verdict verdict, String contributions) throws IOException;

  void flagged(BatchResult.FlaggedRow row) throws IOException;
}
