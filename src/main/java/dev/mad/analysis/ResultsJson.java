package dev.mad.analysis;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/** Converts a stored results CSV to a JSON array once, streaming, for the JSON download. */
final class ResultsJson {
  private ResultsJson() {
  }

  static Path ensure(Path csv, Path json) throws IOException {
    if (Files.exists(json)) {
      return json;
    }
    Path tmp = json.resolveSibling("." + json.getFileName() + ".tmp");
    try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
         CSVParser parser = CSVParser.builder().setReader(in).setFormat(CSVFormat.RFC4180).get();
         JsonGenerator out = new JsonFactory().createGenerator(Files.newOutputStream(tmp), JsonEncoding.UTF8)) {
      List<String> header = null;
      out.writeStartArray();
      for (CSVRecord r : parser) {
        if (header == null) {
          header = r.toList();
          continue;
        }
        out.writeStartObject();
        for (int i = 0; i < header.size(); i++) {
          writeValue(out, header.get(i), r.get(i));
        }
        out.writeEndObject();
      }
      out.writeEndArray();
    }
    Files.move(tmp, json, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return json;
  }

  private static void writeValue(JsonGenerator out, String name, String value) throws IOException {
    switch (name) {
      case "is_anomaly" -> out.writeBooleanField(name, Boolean.parseBoolean(value));
      case "incident_id" -> {
        if (value.isEmpty()) {
          out.writeNullField(name);
        } else {
          out.writeNumberField(name, Long.parseLong(value));
        }
      }
      case "severity", "reason", "severity_factors", "contributions", "timestamp" -> {
        if (value.isEmpty()) {
          out.writeNullField(name);
        } else {
          out.writeStringField(name, value);
        }
      }
      default -> {
        try {
          double d = Double.parseDouble(value);
          if (Double.isFinite(d)) {
            out.writeNumberField(name, d);
          } else {
            out.writeStringField(name, value);
          }
        } catch (NumberFormatException e) {
          out.writeStringField(name, value);
        }
      }
    }
  }
}
