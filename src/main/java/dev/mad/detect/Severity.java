package dev.mad.detect;

import java.util.Locale;

/** How urgent an anomaly is; ordered from least to most urgent. */
public enum Severity {
  MEDIUM,
  HIGH,
  CRITICAL;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Severity parse(String label) {
    return valueOf(label.toUpperCase(Locale.ROOT));
  }

  public Severity atLeast(Severity other) {
    return other.ordinal() > ordinal() ? other : this;
  }
}
