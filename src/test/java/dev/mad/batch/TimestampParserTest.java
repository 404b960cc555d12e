package dev.mad.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDateTime;
import java.time.ZoneId;
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
    assertThat(parser.parse("2025-01-01")).isEqualTo(
        LocalDateTime.of(2025, 1, 1, 0, 0).atZone(PARIS).toInstant().toEpochMilli());
  }

  @Test
  @DisplayName("text that is no timestamp is refused with the text in the message")
  void refused() {
    assertThatThrownBy(() -> parser.parse("yesterday")).hasMessageContaining("'yesterday'");
    assertThatThrownBy(() -> parser.parse("2025-13-01 00:00:00")).hasMessageContaining("2025-13-01");
    assertThatThrownBy(() -> parser.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> parser.parse("12")).isInstanceOf(IllegalArgumentException.class);
  }
}
