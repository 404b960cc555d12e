package dev.mad.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.cli.BatchCli;
import dev.mad.cli.BatchCliCsv;
import dev.mad.detect.RecentTails;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine end to end on a generated host with three known episodes of the kinds a server has:
 * a level shift, a single spike and a slow ramp. Each must become exactly one incident, and nothing
 * else may.
 */
class IncidentEpisodesTest {
  @TempDir Path dir;

  private static final int ROWS = 3000;
  private static final int[] SHIFT = {1200, 1300};
  private static final int SPIKE = 1800;
  private static final int[] RAMP = {2400, 2600};

  /**
   * A quiet host with a daily-ish wave and noise; {@code episodes} adds the three episodes. With
   * {@code spikeEvery} ≥ 0 a fourth metric, a queue depth of about 10, jumps to 100 every {@code spikeEvery}
   * rows (0: never).
   */
  private static Path write(Path file, long seed, boolean episodes, int spikeEvery)
      throws Exception {
    Random r = new Random(seed);
    StringBuilder sb =
        new StringBuilder(
            "timestamp,cpu_percent,memory_percent,disk_read_mb"
                + (spikeEvery >= 0 ? ",queue_depth\n" : "\n"));
    LocalDateTime t = LocalDateTime.of(2025, 3, 1, 0, 0);
    for (int i = 0; i < ROWS; i++) {
      double cpu = 20 + 5 * Math.sin(i * 2 * Math.PI / 1440) + r.nextGaussian() * 2;
      double mem = 40 + r.nextGaussian() * 0.5;
      double disk = 2 + Math.abs(r.nextGaussian());
      double queue = 10 + r.nextGaussian();
      if (spikeEvery > 0 && i % spikeEvery == spikeEvery / 2) {
        queue = 100 + r.nextGaussian();
      }
      if (episodes) {
        if (i >= SHIFT[0] && i < SHIFT[1]) {
          cpu += 35;
        }
        if (i == SPIKE) {
          mem = 99;
        }
        if (i >= RAMP[0] && i < RAMP[1]) {
          disk += 60.0 * (i - RAMP[0]) / (RAMP[1] - RAMP[0]);
        }
      }
      sb.append(t.plusMinutes(i).toString().replace('T', ' '))
          .append(',')
          .append(String.format(Locale.ROOT, "%.2f,%.2f,%.2f", cpu, mem, disk))
          .append(spikeEvery >= 0 ? String.format(Locale.ROOT, ",%.2f%n", queue) : "\n");
    }
    Files.writeString(file, sb);
    return file;
  }

  private static final int[][] EPISODES = {SHIFT, {SPIKE, SPIKE + 1}, RAMP};

  @Test
  @DisplayName("a level shift, a spike and a slow ramp give one incident each and none elsewhere")
  void oneIncidentPerEpisode() throws Exception {
    BatchCli cli = new BatchCli(dir.resolve("logs"));
    Map<String, int[]> incidents = analyse(cli, -1);
    List<String> found = spans(incidents);
    assertOneIncidentPerEpisode(incidents, found);
    for (int[] s : incidents.values()) {
      boolean onEpisode = false;
      for (int[] e : EPISODES) {
        onEpisode |= s[0] < e[1] && s[1] >= e[0];
      }
      assertThat(onEpisode)
          .as("incident at rows %d-%d lies on no episode (all: %s)", s[0], s[1], found)
          .isTrue();
    }
    assertThat(cli.out()).contains("Incidents: 3");
  }

  @Test
  @DisplayName(
      "a queue that spikes every 25 rows alarms only until its spikes are routine; the episodes still alarm")
  void routineSpikesStopAlarming() throws Exception {
    Map<String, int[]> incidents = analyse(new BatchCli(dir.resolve("logs")), 25);
    List<String> found = spans(incidents);
    assertOneIncidentPerEpisode(incidents, found);
    long elsewhere = incidents.values().stream().filter(s -> s[1] < SHIFT[0]).count();
    // the first spikes are news; once ROUTINE have been seen (and the tails recomputed, every EVERY
    // rows) they are not
    assertThat(elsewhere)
        .as("incidents before the first episode (the spikes, 48 of them): %s", found)
        .isBetween(1L, (long) RecentTails.ROUTINE + RecentTails.EVERY / 25);
    assertThat(
            incidents.values().stream()
                .filter(
                    s ->
                        s[0] > SHIFT[1] && s[1] < SPIKE
                            || s[0] > SPIKE + 1 && s[1] < RAMP[0]
                            || s[0] > RAMP[1]))
        .as("incidents between episodes: %s", found)
        .isEmpty();
  }

  /**
   * Trains on a quiet host and analyses one with the three episodes (and, with {@code spikeEvery} ≥ 0, the
   * queue metric; see {@link #write}); returns the incidents.
   */
  private Map<String, int[]> analyse(BatchCli cli, int spikeEvery) throws Exception {
    Path train = write(dir.resolve("train.csv"), 1, false, spikeEvery < 0 ? -1 : 0);
    Path test = write(dir.resolve("test.csv"), 2, true, spikeEvery);
    Path out = dir.resolve("out.csv");
    assertThat(
            cli.run(
                "--train-file",
                train.toString(),
                "--csv-file",
                test.toString(),
                "--output-file",
                out.toString()))
        .as(cli.err())
        .isZero();
    return incidents(out);
  }

  private static List<String> spans(Map<String, int[]> incidents) {
    List<String> found = new ArrayList<>();
    for (int[] span : incidents.values()) {
      found.add(span[0] + "-" + span[1]);
    }
    return found;
  }

  private static void assertOneIncidentPerEpisode(
      Map<String, int[]> incidents, List<String> found) {
    for (int[] e : EPISODES) {
      long overlapping =
          incidents.values().stream().filter(s -> s[0] < e[1] && s[1] >= e[0]).count();
      assertThat(overlapping)
          .as("incidents overlapping rows %d-%d among %s", e[0], e[1] - 1, found)
          .isOne();
    }
  }

  /** The incidents of a result file: id to first and last row. */
  private static Map<String, int[]> incidents(Path out) throws Exception {
    List<String> lines = Files.readAllLines(out);
    List<String> header = List.of(lines.get(0).split(","));
    int idColumn = header.indexOf("incident_id");
    assertThat(idColumn).isPositive();
    Map<String, int[]> incidents = new LinkedHashMap<>();
    for (int row = 0; row < ROWS; row++) {
      List<String> cells = BatchCliCsv.cells(lines.get(row + 1));
      String id = cells.size() > idColumn ? cells.get(idColumn) : "";
      if (!id.isEmpty()) {
        int at = row;
        incidents.computeIfAbsent(id, k -> new int[] {at, at})[1] = row;
      }
    }
    return incidents;
  }
}
