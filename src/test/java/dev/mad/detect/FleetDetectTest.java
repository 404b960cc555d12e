package dev.mad.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Detect on a hub: one detector per host, a bound on hosts, and silent hosts. */
@ExtendWith(VertxExtension.class)
class FleetDetectTest {
  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void deploy(Vertx vertx, JsonObject extra) throws Exception {
    JsonObject config =
        new JsonObject()
            .put("baseline_seconds", 20)
            .put("window_seconds", 30)
            .put("rules", new JsonArray())
            .mergeIn(extra);
    await(vertx.deployVerticle(new DetectVerticle(0), new DeploymentOptions().setConfig(config)));
  }

  private static JsonObject sample(String host, long seq) {
    double[] v = {10, 2400, 40, 8, 1, 1, 0.1, 0.1};
    return new MetricSample(System.currentTimeMillis(), host, v)
        .toJson()
        .put(MetricSample.AGENT_ID, host + "@1")
        .put(MetricSample.SEQ, seq);
  }

  private static JsonObject request(Vertx vertx, String address, JsonObject body) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(address, body, Addresses.local())).body();
  }

  @Test
  @DisplayName(
      "hub.max_hosts bounds the hosts: a host beyond it is refused and counted, never listed")
  void maxHosts(Vertx vertx) throws Exception {
    deploy(vertx, new JsonObject().put("max_hosts", 2));
    for (String h : List.of("web-1", "web-2", "web-3")) {
      vertx.eventBus().publish(Addresses.METRICS_SAMPLE, sample(h, 1), Addresses.local());
    }
    JsonObject list = request(vertx, Addresses.DETECT_HOSTS, new JsonObject());
    List<String> names = new ArrayList<>();
    list.getJsonArray("hosts").forEach(h -> names.add(((JsonObject) h).getString("host")));
    assertThat(names).containsExactlyInAnyOrder("web-1", "web-2");
    assertThat(list.getLong("samples_refused")).isEqualTo(1);
    assertThat(list.getInteger("max_hosts")).isEqualTo(2);
    assertThat(
            request(vertx, Addresses.DETECT_STATUS, new JsonObject().put("host", "web-2"))
                .getString("host"))
        .isEqualTo("web-2");
    assertThatThrownBy(
            () -> request(vertx, Addresses.DETECT_STATUS, new JsonObject().put("host", "web-3")))
        .hasCauseInstanceOf(ReplyException.class)
        .hasMessageContaining("no such host: web-3");
  }

  @Test
  @DisplayName(
      "a host whose samples stop for stale_seconds gets a \"Host silent\" incident, closed when"
          + " they return; the other hosts are untouched")
  void silentHost(Vertx vertx) throws Exception {
    DetectVerticleTest.Received incidents =
        DetectVerticleTest.Received.on(vertx, Addresses.INCIDENT);
    deploy(vertx, new JsonObject().put("stale_seconds", 3));
    vertx.eventBus().publish(Addresses.METRICS_SAMPLE, sample("quiet-1", 1), Addresses.local());
    long sentAt = System.currentTimeMillis();
    // another host keeps sending
    long timer =
        vertx.setPeriodic(
            500,
            id ->
                vertx
                    .eventBus()
                    .publish(
                        Addresses.METRICS_SAMPLE,
                        sample("busy-1", (System.currentTimeMillis() - sentAt) / 500 + 1),
                        Addresses.local()));
    JsonObject opened =
        incidents.first(
            m -> m.getJsonObject("incident").getString("reason").startsWith("Host silent"));
    assertThat(System.currentTimeMillis() - sentAt).isGreaterThanOrEqualTo(3000);
    assertThat(opened.getString("change")).isEqualTo("opened");
    assertThat(opened.getJsonObject("incident").getString("host")).isEqualTo("quiet-1");
    JsonObject hosts = request(vertx, Addresses.DETECT_HOSTS, new JsonObject());
    assertThat(hosts.getJsonArray("hosts").getJsonObject(0).getString("host")).isEqualTo("quiet-1");
    assertThat(hosts.getJsonArray("hosts").getJsonObject(0).getString("state")).isEqualTo("silent");

    vertx.eventBus().publish(Addresses.METRICS_SAMPLE, sample("quiet-1", 2), Addresses.local());
    JsonObject closed =
        incidents.first(
            m ->
                m.getString("change").equals("closed")
                    && m.getJsonObject("incident").getString("host").equals("quiet-1"));
    assertThat(closed.getJsonObject("incident").getString("ended")).isNotNull();
    vertx.cancelTimer(timer);
    assertThat(incidents.all())
        .noneMatch(m -> m.getJsonObject("incident").getString("host").equals("busy-1"));
  }
}
