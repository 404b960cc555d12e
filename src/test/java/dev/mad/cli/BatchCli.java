package dev.mad.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs the --csv-file command in process as a user would, with its logs in a test directory, and keeps what it printed. */
public final class BatchCli {
  private final Path logs;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  public BatchCli(Path logs) {
    this.logs = logs;
  }

  /** The exit code; what the run printed replaces what the previous one did. */
  public int run(String... args) {
    out.reset();
    err.reset();
    return BatchCommand.run(
        args,
        logs,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  public String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  public String err() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
