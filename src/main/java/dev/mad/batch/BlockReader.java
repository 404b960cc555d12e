package dev.mad.batch;

import dev.mad.detect.DetectorModel;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * First stage of the scoring pass, on its own thread: reads blocks of raw records with their
 * stored features and scores them with the forest, while the caller's thread explains and writes
 * the previous block. Blocks are recycled, so memory stays at a few blocks whatever the file size.
 */
final class BlockReader implements AutoCloseable {
  /** Rows read and scored together. */
  static final class Block {
    final String[] records;
    final double[][] values;
    final long[] epochs;
    final double[] scores;
    final double[] scratch;
    int size;

    Block(int capacity, int dimensions) {
      records = new String[capacity];
      values = new double[capacity][dimensions];
      epochs = new long[capacity];
      scores = new double[capacity];
      scratch = new double[capacity * dimensions];
    }
  }

  private static final Block END = new Block(0, 0);

  private final BlockingQueue<Block> full = new ArrayBlockingQueue<>(3);
  private final BlockingQueue<Block> free = new ArrayBlockingQueue<>(4);
  private final Thread thread;
  private volatile boolean cancelled;
  private volatile Exception failure;

  BlockReader(Path file, Path features, long rows, int blockSize, int dimensions, DetectorModel model) {
    for (int i = 0; i < 4; i++) {
      free.add(new Block(blockSize, dimensions));
    }
    thread = new Thread(() -> run(file, features, rows, dimensions, model), "mad-batch-reader");
    thread.setDaemon(true);
    thread.start();
  }

  private void run(Path file, Path features, long rows, int d, DetectorModel model) {
    try (RawRecords raw = new RawRecords(file);
         FeatureFile.Reader in = new FeatureFile.Reader(features)) {
      long done = 0;
      while (done < rows && !cancelled) {
        Block b = free.poll(100, TimeUnit.MILLISECONDS);
        if (b == null) {
          continue;
        }
        int n = (int) Math.min(b.records.length, rows - done);
        for (int i = 0; i < n; i++) {
          b.records[i] = raw.next();
          if (b.records[i] == null) {
            throw new IllegalStateException("file changed while it was being analysed");
          }
          b.epochs[i] = in.row(b.values[i]);
        }
        b.size = n;
        model.scoreBlock(b.values, n, b.scratch, b.scores);
        done += n;
        put(b);
      }
      if (!cancelled && raw.next() != null) {
        throw new IllegalStateException("file changed while it was being analysed");
      }
    } catch (Exception e) {
      failure = e;
    }
    try {
      put(END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void put(Block b) throws InterruptedException {
    while (!cancelled && !full.offer(b, 100, TimeUnit.MILLISECONDS)) {
      // wait for the consumer, unless it gave up
    }
  }

  /** The next scored block, or null at the end; rethrows what went wrong on the reader thread. */
  Block next() throws Exception {
    Block b = full.take();
    if (b == END) {
      if (failure != null) {
        throw failure;
      }
      return null;
    }
    return b;
  }

  /** Hands a processed block back for reuse. */
  void recycle(Block b) {
    free.offer(b);
  }

  @Override
  public void close() throws InterruptedException {
    cancelled = true;
    thread.join(10_000);
  }
}
