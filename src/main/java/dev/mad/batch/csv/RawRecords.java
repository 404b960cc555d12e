package dev.mad.batch.csv;

import java.util.ArrayList;
import java.util.List;

/** Splits one raw CSV record (as the scoring pass copies it from the input) into its fields. */
public final class RawRecords {
  private RawRecords() {
  }

  /** RFC 4180 fields of one record (for the JSON output and the flagged rows' timestamps). */
  public static List<String> split(String record) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < record.length(); i++) {
      char c = record.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < record.length() && record.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }

  /** Field {@code index} of the record in {@code raw[at, at + length)}; quick when the record has no quotes. */
  public static String field(byte[] raw, int at, int length, int index) {
    int end = at + length;
    int from = at;
    int seen = 0;
    for (int i = at; i < end; i++) {
      byte c = raw[i];
      if (c == '"') {
        return split(new String(raw, at, length, java.nio.charset.StandardCharsets.UTF_8)).get(index);
      }
      if (c == ',') {
        if (seen == index) {
          return new String(raw, from, i - from, java.nio.charset.StandardCharsets.UTF_8);
        }
        seen++;
        from = i + 1;
      }
    }
    return new String(raw, from, end - from, java.nio.charset.StandardCharsets.UTF_8);
  }
}
