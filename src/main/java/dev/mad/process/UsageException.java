package dev.mad.process;

/** A command-line mistake, reported as one line and {@link ExitCode#USAGE}. */
public final class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}
