package dev.mad.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.IncidentChange;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NoticesTest {
  private static final long ID = 1_796_292_000_000L;

  private final Set<String> mutedHosts = new HashSet<>();
  private final Notices notices =
      new Notices(
          "http://mad:5000", (host, metric, at) -> mutedHosts.contains(host) ? "silenced" : null);

  private Notices.Notice on(String change, String host, String severity) {
    return notices.onChange(
        IncidentChange.fromJson(NotifyVerticleTest.change(change, host, ID, severity)),
        ID + 10_000);
  }

  @Test
  @DisplayName(
      "escalation ends the alert under the old severity and fires one under the new; updates that"
          + " change nothing are not news")
  void escalation() {
    Notices.Notice opened = on("opened", "web-1", "medium");
    assertThat(opened.event()).isEqualTo("opened");
    JsonObject first = opened.alerts().getJsonObject(0);
    assertThat(first.getJsonObject("labels").encode())
        .isEqualTo(
            "{\"alertname\":\"MetricsAnomaly\",\"host\":\"web-1\",\"severity\":\"medium\","
                + "\"metric\":\"cpu_percent\",\"incident_id\":\""
                + ID
                + "\"}");
    assertThat(first.getString("endsAt")).as("set when sent").isNull();
    assertThat(first.getString("generatorURL"))
        .isEqualTo("http://mad:5000/?host=web-1&incident=" + ID);

    assertThat(on("updated", "web-1", "medium")).isNull();
    Notices.Notice up = on("updated", "web-1", "critical");
    assertThat(up.event()).isEqualTo("escalated");
    JsonArray alerts = up.alerts();
    assertThat(alerts.getJsonObject(0).getJsonObject("labels").getString("severity"))
        .isEqualTo("medium");
    assertThat(alerts.getJsonObject(0).getString("endsAt")).isNotNull();
    assertThat(alerts.getJsonObject(1).getJsonObject("labels").getString("severity"))
        .isEqualTo("critical");
    assertThat(alerts.getJsonObject(1).getString("endsAt")).isNull();
    assertThat(notices.firing(ID)).hasSize(1);
    assertThat(on("updated", "web-1", "high")).as("severity never goes down").isNull();

    Notices.Notice closed = on("closed", "web-1", "critical");
    assertThat(closed.alerts().getJsonObject(0).getJsonObject("labels").getString("severity"))
        .isEqualTo("critical");
    assertThat(closed.alerts().getJsonObject(0).getString("endsAt"))
        .isEqualTo(Instant.ofEpochMilli(ID + 30_000).toString());
    assertThat(notices.firing(ID)).isEmpty();
  }

  @Test
  @DisplayName("an incident that opened muted stays muted to its close, even if the silence ends")
  void mutedToTheEnd() {
    mutedHosts.add("db-1");
    assertThat(on("opened", "db-1", "high").muted()).isEqualTo("silenced");
    assertThat(notices.firing(ID)).isEmpty();
    mutedHosts.clear();
    assertThat(on("closed", "db-1", "high").muted()).isNotNull();
    assertThat(on("opened", "db-2", "high").muted()).isNull();
  }
}
