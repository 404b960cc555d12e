package dev.mad.batch;

import java.io.IOException;
import java.util.List;

/** Receives the results of the scoring pass, block by block, in file order. */
public interface BatchOutput {
  void start(List<String> inputHeader, List<String> features) throws IOException;

  /** Whether {@link #block} should also be given the rows as JSON objects. */
  boolean wantsJson();

  /**
   * @param csv  the block's rows: each input record as it was read, then the result columns
   * @param json the same rows as JSON objects (separated by ",\n"), or null unless {@link #wantsJson()}
   */
  void block(ByteSink csv, ByteSink json) throws IOException;

  void flagged(BatchResult.FlaggedRow row) throws IOException;
}
