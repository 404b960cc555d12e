package dev.mad.batch;

import java.io.PrintStream;

/** The {@code --csv-file} batch analysis mode. */
public final class BatchCommand {
  private BatchCommand() {
  }

  public static String usageBody() {
    return """
              Analyse historical metrics from a CSV file and exit.
              --output-file O     write per-row results (.csv or .json)
              --contamination C   expected anomaly share, 0 < C <= 0.5 (default 0.05)
              --window-size W     rolling window in rows for the z-score
              --train-file T      fit on T, score FILE (default: fit on FILE)
              --features a,b,c    columns to use (default: every numeric column)
              (not available in this build yet)
        """;
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    err.println("error: batch analysis (--csv-file) is not available in this build yet");
    return 1;
  }
}
