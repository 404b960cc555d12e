package dev.mad.batch;

/** One thread's buffers for a block of rows in the scoring passes ({@link BatchAnalysis#BLOCK} rows). */
final class BlockBuffers {
  final FeatureStore.Rows rows;
  final double[] scratch;
  final double[] scores = new double[BatchAnalysis.BLOCK];
  final long[] incidents = new long[BatchAnalysis.BLOCK];
  final RollingBaseline rolling;
  byte[] raw = new byte[1 << 20];

  BlockBuffers(int d, RollingBaseline rolling) {
    rows = new FeatureStore.Rows(BatchAnalysis.BLOCK, d);
    scratch = new double[BatchAnalysis.BLOCK * d];
    this.rolling = rolling;
  }
}
