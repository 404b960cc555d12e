package dev.mad.web;

/** Makes a user-supplied file name safe to store, log and send back in a header. */
final class FileNames {
  private static final int MAX_LENGTH = 120;

  private FileNames() {}

  /**
   * Keeps the last path segment, letters, digits and {@code . _ - ( ) [ ] space}; everything else
   * becomes {@code _}. Never empty, never a dot-file or a path.
   */
  static String sanitise(String raw) {
    String name = raw == null ? "" : raw;
    int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    name = name.substring(slash + 1);
    StringBuilder sb = new StringBuilder(Math.min(name.length(), MAX_LENGTH));
    name.codePoints()
        .limit(MAX_LENGTH)
        .forEach(
            cp -> {
              boolean ok =
                  Character.isLetterOrDigit(cp)
                      || cp == '.'
                      || cp == '_'
                      || cp == '-'
                      || cp == ' '
                      || cp == '('
                      || cp == ')'
                      || cp == '['
                      || cp == ']';
              sb.appendCodePoint(ok ? cp : '_');
            });
    String clean = sb.toString().strip();
    while (clean.startsWith(".")) {
      clean = clean.substring(1);
    }
    return clean.isEmpty() ? "upload.csv" : clean;
  }

  /** ASCII-only fallback for a {@code Content-Disposition} filename. */
  static String ascii(String name) {
    return name.replaceAll("[^A-Za-z0-9._()\\[\\] -]", "_");
  }
}
