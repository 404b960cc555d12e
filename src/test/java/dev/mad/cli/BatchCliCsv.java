package dev.mad.cli;

import dev.mad.batch.csv.Rfc4180;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Splits one CSV line of the analysis' output (RFC 4180 quoting) for tests. */
public final class BatchCliCsv {
  private BatchCliCsv() {}

  public static List<String> cells(String line) {
    byte[] record = line.getBytes(StandardCharsets.UTF_8);
    return Rfc4180.fields(record, 0, record.length);
  }
}
