package dev.mad.batch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Each metric's share of a flagged row's deviation, in % to one decimal, largest first, metrics
 * with no share left out. The CSV output writes it as text ({@code cpu_percent=92.1;memory_percent=7.9},
 * the only text form), every JSON output and the history database as an object
 * ({@code {"cpu_percent":92.1,...}}).
 */
public record Contributions(List<Share> shares) {
  public static final Contributions NONE = new Contributions(List.of());

  /** One metric's share in %. */
  public record Share(String metric, double percent) {}

  public Contributions {
    shares = List.copyOf(shares);
  }

  /** From the detector's per-metric shares ({@code shares[i]} belongs to {@code metrics.get(i)}). */
  public static Contributions of(List<String> metrics, double[] shares) {
    Integer[] order = new Integer[shares.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(shares[b], shares[a]));
    List<Share> out = new ArrayList<>();
    for (int i : order) {
      long tenths = Math.round(shares[i] * 10);
      if (tenths > 0) {
        out.add(new Share(metrics.get(i), tenths / 10.0));
      }
    }
    return new Contributions(out);
  }

  /** The CSV column's text. */
  public String text() {
    StringBuilder sb = new StringBuilder(24 * shares.size());
    for (Share s : shares) {
      if (sb.length() > 0) {
        sb.append(';');
      }
      long tenths = Math.round(s.percent() * 10);
      sb.append(s.metric()).append('=').append(tenths / 10).append('.').append(tenths % 10);
    }
    return sb.toString();
  }

  /** Writes the JSON object form. */
  public void write(JsonGenerator g) throws IOException {
    g.writeStartObject();
    for (Share s : shares) {
      g.writeNumberField(s.metric(), s.percent());
    }
    g.writeEndObject();
  }

  /** The JSON object form as text (as the history database stores it). */
  public String json() {
    return ResultJson.text(this::write);
  }

  /** Reads the JSON object form. */
  public static Contributions parseJson(String json) throws IOException {
    List<Share> out = new ArrayList<>();
    try (JsonParser p = ResultJson.FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("contributions are not a JSON object: " + json);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String metric = p.currentName();
        p.nextToken();
        out.add(new Share(metric, p.getDoubleValue()));
      }
    }
    return new Contributions(out);
  }

  /**
   * Reads the text form: for a history written before the database stored objects (schema 1).
   * A part without {@code =} or with a value that is not a number is skipped.
   */
  public static Contributions parseText(String text) {
    List<Share> out = new ArrayList<>();
    for (String part : text.split(";")) {
      int eq = part.lastIndexOf('=');
      if (eq <= 0) {
        continue;
      }
      try {
        out.add(new Share(part.substring(0, eq), Double.parseDouble(part.substring(eq + 1))));
      } catch (NumberFormatException e) {
        // not a share; skip it
      }
    }
    return new Contributions(out);
  }
}
