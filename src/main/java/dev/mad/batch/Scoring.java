package dev.mad.batch;

import dev.mad.detect.AnomalyDetector;
import dev.mad.detect.DetectorModel;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * What both scoring passes work from: the analysed file and its stored rows, the detector and its
 * model, and how the rows are shared among threads.
 *
 * @param workers threads that take blocks (1 with a rolling baseline, which needs the rows in order)
 * @param buffers one thread's buffers
 */
record Scoring(
    Path file,
    String name,
    BatchAnalysis.Columns columns,
    FeatureStore store,
    AnomalyDetector detector,
    DetectorModel model,
    BatchSettings settings,
    int workers,
    Supplier<BlockBuffers> buffers) {

  int dimensions() {
    return columns.featureIndex().length;
  }

  long rows() {
    return store.rows();
  }

  int blocks() {
    return (int) ((rows() + BatchAnalysis.BLOCK - 1) / BatchAnalysis.BLOCK);
  }
}
