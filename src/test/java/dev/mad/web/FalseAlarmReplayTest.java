package dev.mad.web;

import static dev.mad.web.ServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "This was nothing", twice, through the live engine: two hosts replay the same generated series
 * (a quiet host with a nightly-backup-like burst of disk writes that recurs), through the whole
 * server. On one host a person marks the first two incidents false alarms through the API; on the
 * other nobody does. The third recurrence opens an incident only on the unmarked host; a burst
 * twice as large opens one on the marked host too.
 */
class FalseAlarmReplayTest {
  private static final String MARKED = "backup-marked";
  private static final String CONTROL = "backup-unmarked";
  private static final int QUIET = 40;
  private static final int BURST = 8;

  @TempDir Path logs;
  private Vertx vertx;
  private WebClient client;
  private int port;
  private long t0;
  private int index;
  private final Random noise = new Random(11);
  private final Map<String, List<JsonObject>> opened = new ConcurrentHashMap<>();
  private final Map<String, List<JsonObject>> closed = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    port = ServerFixture.startSilenced(vertx, logs, new JsonObject());
    client = WebClient.create(vertx);
    for (String h : List.of(MARKED, CONTROL)) {
      opened.put(h, new CopyOnWriteArrayList<>());
      closed.put(h, new CopyOnWriteArrayList<>());
    }
    await(
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.INCIDENT,
                m -> {
                  JsonObject in = m.body().getJsonObject("incident");
                  var into =
                      switch (m.body().getString("change")) {
                        case "opened" -> opened.get(in.getString("host"));
                        case "closed" -> closed.get(in.getString("host"));
                        default -> null;
                      };
                  if (into != null) {
                    into.add(in);
                  }
                })
            .completion());
    t0 = System.currentTimeMillis() - 600_000;
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  /** One second of both hosts: the same generated values. */
  private void second(double diskWrite) {
    double[] v = {
      12 + 3 * noise.nextDouble(),
      2400,
      40 + noise.nextDouble(),
      8 - 0.1 * noise.nextDouble(),
      1 + 0.3 * noise.nextDouble(),
      diskWrite + 0.4 * noise.nextDouble(),
      0.5 + 0.1 * noise.nextDouble(),
      0.8 + 0.1 * noise.nextDouble()
    };
    long ts = t0 + 1000L * index++;
    for (String h : List.of(MARKED, CONTROL)) {
      vertx
          .eventBus()
          .publish(
              Addresses.METRICS_SAMPLE, new MetricSample(ts, h, v).toJson(), Addresses.local());
    }
  }

  private void quiet(int seconds) {
    for (int i = 0; i < seconds; i++) {
      second(2);
    }
  }

  /** The backup: disk writes at about {@code mb} MB/s for a few seconds, then quiet until it is over. */
  private void backup(double mb) throws Exception {
    for (int i = 0; i < BURST; i++) {
      second(mb * (0.97 + 0.06 * noise.nextDouble()));
    }
    quiet(30);
    Thread.sleep(300); // let detect and persist catch up before counting
  }

  private void awaitTrained(String host) throws Exception {
    long end = System.nanoTime() + 30_000_000_000L;
    while (!await(client.get(port, "127.0.0.1", "/api/status?host=" + host).send())
        .bodyAsJsonObject()
        .getBoolean("is_trained", false)) {
      assertThat(System.nanoTime()).as(host + " trained").isLessThan(end);
      Thread.sleep(50);
    }
  }

  private void awaitCount(Map<String, List<JsonObject>> what, String host, int n) throws Exception {
    long end = System.nanoTime() + 30_000_000_000L;
    while (what.get(host).size() < n) {
      assertThat(System.nanoTime()).as(host + " reaches " + n).isLessThan(end);
      Thread.sleep(50);
    }
  }

  private void markFalseAlarm(JsonObject incident) throws Exception {
    long end = System.nanoTime() + 30_000_000_000L;
    while (true) {
      var r =
          await(
              client
                  .post(port, "127.0.0.1", "/api/incidents/false-alarm")
                  .sendJsonObject(
                      new JsonObject()
                          .put("host", incident.getString("host"))
                          .put("id", incident.getLong("id"))
                          .put("by", "ops")
                          .put("comment", "the nightly backup")));
      if (r.statusCode() == 200) {
        return;
      }
      // persist writes the close a moment after detect publishes it
      assertThat(System.nanoTime()).as("marked: " + r.bodyAsString()).isLessThan(end);
      Thread.sleep(50);
    }
  }

  @Test
  @DisplayName(
      "a recurring pattern marked a false alarm twice opens no third incident; a larger one still does")
  void markedTwiceThenQuiet() throws Exception {
    quiet(QUIET);
    awaitTrained(MARKED);
    awaitTrained(CONTROL);
    quiet(QUIET);

    List<Integer> openedAfter = new ArrayList<>();
    for (int time = 1; time <= 2; time++) {
      backup(60);
      awaitCount(closed, MARKED, time);
      awaitCount(closed, CONTROL, time);
      JsonObject incident = closed.get(MARKED).get(time - 1);
      assertThat(incident.getJsonObject("contributions").getDouble("disk_write_mb"))
          .as("the backup leads")
          .isGreaterThan(50);
      markFalseAlarm(incident);
      openedAfter.add(opened.get(MARKED).size());
      quiet(QUIET);
    }
    assertThat(openedAfter).containsExactly(1, 2);

    backup(60); // the third night
    awaitCount(closed, CONTROL, 3);
    quiet(QUIET);
    assertThat(opened.get(CONTROL)).as("nobody marked these: the third opens").hasSize(3);
    assertThat(opened.get(MARKED)).as("marked twice: the third opens nothing").hasSize(2);

    backup(130); // more than 1.2 × what was marked: that is news
    awaitCount(opened, MARKED, 3);
    assertThat(opened.get(MARKED).get(2).getJsonObject("metrics").getDouble("disk_write_mb"))
        .isGreaterThan(120);
  }
}
