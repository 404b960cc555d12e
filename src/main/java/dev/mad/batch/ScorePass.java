package dev.mad.batch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs the scoring pass' blocks on several threads and hands their results over in file order:
 * each thread takes the next block, works on it, and whichever thread holds the oldest finished
 * blocks commits them. At most {@code 2 × threads} blocks are in flight, so memory does not grow
 * with the file.
 */
final class ScorePass {
  /** Work on one block; {@code S} is the per-thread state (buffers reused between blocks). */
  interface Work<S, R> {
    R block(int index, S state) throws Exception;
  }

  /** Takes the results in block order, one at a time. */
  interface Commit<R> {
    void accept(R result) throws Exception;
  }

  private ScorePass() {}

  /**
   * @param threads 1 keeps the blocks in order on one thread (needed when a block depends on the one before)
   */
  static <S, R> void run(
      int blocks,
      int threads,
      ExecutorService pool,
      Supplier<S> state,
      Work<S, R> work,
      Commit<R> commit)
      throws Exception {
    int window = 2 * threads;
    Semaphore permits = new Semaphore(window);
    AtomicInteger next = new AtomicInteger();
    Object[] ready = new Object[window];
    int[] committed = {0};
    Throwable[] failure = {null};
    Runnable worker =
        () -> {
          S s = state.get();
          try {
            while (true) {
              permits.acquire();
              synchronized (ready) {
                if (failure[0] != null) {
                  return;
                }
              }
              int k = next.getAndIncrement();
              if (k >= blocks) {
                permits.release();
                return;
              }
              R r = work.block(k, s);
              synchronized (ready) {
                if (failure[0] != null) {
                  return;
                }
                ready[k % window] = r;
                while (committed[0] < blocks && ready[committed[0] % window] != null) {
                  @SuppressWarnings("unchecked")
                  R oldest = (R) ready[committed[0] % window];
                  ready[committed[0] % window] = null;
                  commit.accept(oldest);
                  committed[0]++;
                  permits.release();
                }
              }
            }
          } catch (Throwable t) {
            synchronized (ready) {
              if (failure[0] == null) {
                failure[0] = t;
              }
            }
            // wake every thread waiting for a permit so that all of them see the failure
            permits.release(blocks + window);
          }
        };
    List<Future<?>> helpers = new ArrayList<>();
    for (int i = 1; i < threads; i++) {
      helpers.add(pool.submit(worker));
    }
    worker.run();
    for (Future<?> f : helpers) {
      try {
        f.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    Throwable t = failure[0];
    if (t instanceof Exception e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
  }
}
