package dev.mad.process;

/** The process exit codes of every mode (server, {@code --csv-file}, {@code datagen}), documented in README. */
public enum ExitCode {
  /** Done. */
  OK(0),
  /** Anything else went wrong: I/O, an internal error, or the server failed after starting to start. */
  FAILURE(1),
  /**
   * The command line or the configuration is wrong, or the server cannot start (its port is taken, its
   * logs directory is in use by another server): nothing was done.
   */
  USAGE(2),
  /** The input data of a batch analysis is bad (the message names file, line and column). */
  INPUT_DATA(3);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
