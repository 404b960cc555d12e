package dev.mad.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ByteSinkTest {
  private static String text(ByteSink sink) {
    return new String(sink.array(), 0, sink.size(), StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("scores get exactly four decimals, rounded, with no negative zero")
  void fixed4() {
    double[] values = {-0.53456, -0.5, 0, -0.00004, -0.00005, 12.34567, -1.99999, 123456.7};
    String[] expected = {
      "-0.5346", "-0.5000", "0.0000", "0.0000", "-0.0001", "12.3457", "-2.0000", "123456.7000"
    };
    for (int i = 0; i < values.length; i++) {
      assertThat(text(new ByteSink(4).fixed4(values[i])))
          .as("%s", values[i])
          .isEqualTo(expected[i]);
    }
  }

  @Test
  @DisplayName("CSV fields are quoted only when needed; JSON strings survive any text")
  void escaping() throws Exception {
    ByteSink csv = new ByteSink(4).csvField("plain").put((byte) ',').csvField("a, \"b\"\nc");
    assertThat(text(csv)).isEqualTo("plain,\"a, \"\"b\"\"\nc\"");
    String nasty = "quote \" backslash \\ newline \n tab \t bell \u0007 café ☕ </script>";
    ByteSink json = new ByteSink(4).jsonString(nasty);
    assertThat(new ObjectMapper().readValue(text(json), String.class)).isEqualTo(nasty);
  }
}
