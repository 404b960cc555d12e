package dev.mad.generate;

import java.io.PrintStream;

/** Placeholder until the generator lands. */
public final class DataGenCommand {
  private DataGenCommand() {
  }

  public static String usage() {
    return "Write a synthetic metrics data set (not available in this build yet).\n";
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    err.println("error: datagen is not available in this build yet");
    return 1;
  }
}
