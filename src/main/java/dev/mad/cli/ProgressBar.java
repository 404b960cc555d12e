package dev.mad.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** A one-line progress bar on stderr, shown only on a terminal and only for files worth waiting for. */
final class ProgressBar {
  private static final long MIN_BYTES = 5L << 20;
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int WIDTH = 40;

  private final PrintStream err;
  private final boolean enabled;
  private long lastDraw;
  private boolean drawn;

  private ProgressBar(PrintStream err, boolean enabled) {
    this.err = err;
    this.enabled = enabled;
  }

  static ProgressBar forTerminal(PrintStream err, Path file) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      size = 0;
    }
    return new ProgressBar(err, System.console() != null && size >= MIN_BYTES);
  }

  void update(double fraction) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw < REDRAW_NANOS && fraction < 1.0) {
      return;
    }
    lastDraw = now;
    int filled = (int) Math.round(fraction * WIDTH);
    err.print(
        "\r["
            + "#".repeat(filled)
            + ".".repeat(WIDTH - filled)
            + "] "
            + Math.round(fraction * 100)
            + "%");
    err.flush();
    drawn = true;
  }

  void done() {
    if (drawn) {
      err.print("\r" + " ".repeat(WIDTH + 8) + "\r");
      err.flush();
      drawn = false;
    }
  }
}
