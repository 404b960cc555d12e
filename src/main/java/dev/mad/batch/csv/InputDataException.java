package dev.mad.batch.csv;

/** Bad input data, reported as one line naming the file and, where it applies, line and column (exit 3). */
public final class InputDataException extends Exception {
  public InputDataException(String message) {
    super(message);
  }

  public static InputDataException at(String file, long line, String column, String problem) {
    StringBuilder sb = new StringBuilder(file);
    if (line > 0) {
      sb.append(", line ").append(line);
    }
    if (column != null) {
      sb.append(", column '").append(column).append('\'');
    }
    return new InputDataException(sb.append(": ").append(problem).toString());
  }
}
