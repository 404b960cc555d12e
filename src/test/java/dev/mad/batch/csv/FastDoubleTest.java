package dev.mad.batch.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FastDoubleTest {
  @Test
  @DisplayName(
      "gives exactly Double.parseDouble's value for every form, and its error for non-numbers")
  void sameAsJdk() {
    for (String s :
        new String[] {
          "0",
          "-0",
          "12",
          "12.5",
          "-12.345",
          "+3.25",
          ".5",
          "5.",
          "2400.0",
          "0.000001",
          "123456789012345",
          "1234567890123456789",
          "1e5",
          "-2.5E-3",
          "NaN",
          "Infinity",
          "0.1",
          "99.99"
        }) {
      assertThat((Double) FastDouble.parse(s)).as(s).isEqualTo((Double) Double.parseDouble(s));
    }
    SplittableRandom r = new SplittableRandom(1);
    for (int k = 0; k < 200_000; k++) {
      String s = String.format(Locale.ROOT, "%." + r.nextInt(0, 7) + "f", r.nextDouble(-1e6, 1e6));
      assertThat((Double) FastDouble.parse(s)).as(s).isEqualTo((Double) Double.parseDouble(s));
    }
    for (String bad : new String[] {"", "-", ".", "abc", "1.2.3", "1,5", " "}) {
      assertThatThrownBy(() -> FastDouble.parse(bad))
          .as(bad)
          .isInstanceOf(NumberFormatException.class);
    }
  }

  @Test
  @DisplayName("the byte form gives the same value or error as the String form")
  void bytesSameAsString() {
    SplittableRandom r = new SplittableRandom(2);
    String[] fixed = {
      "0",
      "-0",
      "12.5",
      "+3.25",
      ".5",
      "5.",
      "1e5",
      "NaN",
      "1234567890123456789",
      " 7",
      "",
      "-",
      "abc",
      "1.2.3"
    };
    for (int k = 0; k < 100_000 + fixed.length; k++) {
      String s =
          k < fixed.length
              ? fixed[k]
              : String.format(Locale.ROOT, "%." + r.nextInt(0, 9) + "f", r.nextDouble(-1e7, 1e7));
      byte[] framed = ("x," + s + ",y").getBytes(StandardCharsets.UTF_8);
      Double expected;
      try {
        expected = Double.parseDouble(s);
      } catch (NumberFormatException e) {
        expected = null;
      }
      if (expected == null) {
        assertThatThrownBy(() -> FastDouble.parse(framed, 2, framed.length - 2))
            .as(s)
            .isInstanceOf(NumberFormatException.class);
      } else {
        assertThat((Double) FastDouble.parse(framed, 2, framed.length - 2))
            .as(s)
            .isEqualTo(expected);
      }
    }
  }
}
