package dev.mad.batch.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TimestampParserTest {
  private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
  private final TimestampParser parser = new TimestampParser(PARIS);
  private final long noonUtc = 1_735_732_800_000L; // 2025-01-01T12:00:00Z

  @Test
  @DisplayName("every documented form gives the same instant; naive times are local")
  void forms() {
    assertThat(parser.parse("2025-01-01T12:00:00Z")).isEqualTo(noonUtc);
    assertThat(parser.parse("2025-01-01T13:00:00+01:00")).isEqualTo(noonUtc);
    assertThat(parser.parse("2025-01-01 13:00:00")).isEqualTo(noonUtc);
    assertThat(parser.parse("2025-01-01T13:00:00")).isEqualTo(noonUtc);
    assertThat(parser.parse("2025-01-01 13:00:00.000000")).isEqualTo(noonUtc);
    assertThat(parser.parse("2025-01-01 13:00:00.5")).isEqualTo(noonUtc + 500);
    assertThat(parser.parse("1735732800")).isEqualTo(noonUtc);
    assertThat(parser.parse("1735732800.25")).isEqualTo(noonUtc + 250);
    assertThat(parser.parse("1735732800000")).isEqualTo(noonUtc);
    assertThat(parser.parse("2025-01-01"))
        .isEqualTo(LocalDateTime.of(2025, 1, 1, 0, 0).atZone(PARIS).toInstant().toEpochMilli());
  }

  @Test
  @DisplayName("text that is no timestamp is refused with the text in the message")
  void refused() {
    assertThatThrownBy(() -> parser.parse("yesterday")).hasMessageContaining("'yesterday'");
    assertThatThrownBy(() -> parser.parse("2025-13-01 00:00:00"))
        .hasMessageContaining("2025-13-01");
    assertThatThrownBy(() -> parser.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> parser.parse("12")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName(
      "the byte form agrees with the String form every 7 minutes over years, DST changes included")
  void bytesSameAsString() {
    for (ZoneId zone :
        new ZoneId[] {
          PARIS, ZoneId.of("UTC"), ZoneId.of("America/New_York"), ZoneId.of("Australia/Lord_Howe")
        }) {
      TimestampParser bytes = new TimestampParser(zone);
      TimestampParser strings = new TimestampParser(zone);
      LocalDateTime t = LocalDateTime.of(2023, 1, 1, 0, 0, 0);
      for (int i = 0; i < 300_000; i++, t = t.plusMinutes(7).plusSeconds(i % 3)) {
        String text =
            t.format(
                    DateTimeFormatter.ofPattern(
                        i % 2 == 0 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd'T'HH:mm:ss"))
                + (i % 5 == 0 ? ".250" : "");
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        assertThat(bytes.parse(b, 0, b.length))
            .as("%s in %s", text, zone)
            .isEqualTo(strings.parse(text));
      }
    }
    byte[] epoch = "1735732800.25".getBytes(StandardCharsets.US_ASCII);
    assertThat(parser.parse(epoch, 0, epoch.length)).isEqualTo(noonUtc + 250);
    byte[] invalid = "2025-02-30 00:00:00".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> parser.parse(invalid, 0, invalid.length))
        .hasMessageContaining("2025-02-30");
  }
}
