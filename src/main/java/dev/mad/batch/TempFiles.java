package dev.mad.batch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The analysis' temp files that exist right now, deleted by a shutdown hook if the JVM is stopped
 * in the middle of an analysis (Ctrl-C, or the parent of a {@link TunedJvm} child being stopped),
 * so that an interrupted run leaves nothing behind. (A crash that skips shutdown hooks leaves them
 * to the server's start-up clean-up of the logs directory.)
 */
public final class TempFiles {
  private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
  private static volatile boolean hooked;

  private TempFiles() {}

  public static void track(Path file) {
    if (!hooked) {
      synchronized (TempFiles.class) {
        if (!hooked) {
          Runtime.getRuntime()
              .addShutdownHook(new Thread(TempFiles::deleteAll, "mad-batch-temp-cleanup"));
          hooked = true;
        }
      }
    }
    LIVE.add(file);
  }

  /** The file was deleted or renamed into place. */
  public static void untrack(Path file) {
    LIVE.remove(file);
  }

  private static void deleteAll() {
    for (Path p : LIVE) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // shutting down: nothing more to do
      }
    }
  }
}
