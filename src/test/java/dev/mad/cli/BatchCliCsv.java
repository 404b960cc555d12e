package dev.mad.cli;

import dev.mad.batch.csv.RawRecords;
import java.util.List;

/** Splits one CSV line of the analysis' output (RFC 4180 quoting) for tests. */
public final class BatchCliCsv {
  private BatchCliCsv() {
  }

  public static List<String> cells(String line) {
    return RawRecords.split(line);
  }
}
