package dev.mad.batch;

import java.util.List;
import java.util.Map;

/**
 * The few small JSON texts the batch analysis stores (settings, counts, factor lists, chart
 * points), written directly: going through Vert.x's JSON codec would initialise Jackson's object
 * mapper, a noticeable part of a short command-line analysis.
 */
public final class JsonText {
  private JsonText() {}

  /** Strings, numbers, booleans, null, lists and maps with string keys. */
  public static String of(Object value) {
    StringBuilder sb = new StringBuilder();
    append(sb, value);
    return sb.toString();
  }

  public static void append(StringBuilder sb, Object value) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof String s) {
      quote(sb, s);
    } else if (value instanceof Double d) {
      number(sb, d);
    } else if (value instanceof Float f) {
      number(sb, f.doubleValue());
    } else if (value instanceof Number || value instanceof Boolean) {
      sb.append(value);
    } else if (value instanceof Map<?, ?> map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        quote(sb, String.valueOf(e.getKey()));
        sb.append(':');
        append(sb, e.getValue());
      }
      sb.append('}');
    } else if (value instanceof List<?> list) {
      sb.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        append(sb, list.get(i));
      }
      sb.append(']');
    } else if (value instanceof double[] array) {
      sb.append('[');
      for (int i = 0; i < array.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        number(sb, array[i]);
      }
      sb.append(']');
    } else {
      quote(sb, value.toString());
    }
  }

  /** Non-finite numbers have no JSON form: they are written as null. */
  public static void number(StringBuilder sb, double d) {
    if (Double.isFinite(d)) {
      sb.append(d);
    } else {
      sb.append("null");
    }
  }

  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
