package dev.mad.detect;

/** A user-defined hard limit on one metric, e.g. {@code cpu_percent > 95} → critical. */
public record Rule(
    String name, String metric, String op, double value, Severity severity, String reason) {

  public Rule {
    if (!op.equals(">") && !op.equals(">=") && !op.equals("<") && !op.equals("<=")) {
      throw new IllegalArgumentException("rule " + name + ": unknown operator " + op);
    }
  }

  public boolean firesOn(double actual) {
    return switch (op) {
      case ">" -> actual > value;
      case ">=" -> actual >= value;
      case "<" -> actual < value;
      default -> actual <= value;
    };
  }

  /** Detector name as reported in {@code detectors}, e.g. {@code rule:cpu_critical}. */
  public String detectorName() {
    return "rule:" + name;
  }
}
