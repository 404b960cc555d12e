package dev.mad.batch.csv;

/** The writing half of RFC 4180, for every CSV the product writes (the readers in this package are the reading half). */
public final class Rfc4180 {
  private Rfc4180() {
  }

  /** {@code field} as one CSV field: quoted, with its quotes doubled, when it holds a comma, quote or line break. */
  public static String escape(String field) {
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        return '"' + field.replace("\"", "\"\"") + '"';
      }
    }
    return field;
  }
}
