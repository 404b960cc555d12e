package dev.mad.batch;

import java.util.List;

/** Splits one CSV line of the analysis' output (RFC 4180 quoting) for tests. */
final class BatchCliCsv {
  private BatchCliCsv() {
  }

  static List<String> cells(String line) {
    return RawRecords.split(line);
  }
}
