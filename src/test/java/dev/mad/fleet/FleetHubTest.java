package dev.mad.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The hub's end of the fleet protocol: de-duplication, gaps and acknowledgements. */
@ExtendWith(VertxExtension.class)
class FleetHubTest {
  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static JsonObject batch(long... seqs) {
    JsonArray entries = new JsonArray();
    for (long seq : seqs) {
      entries.add(
          new MetricSample(1_700_000_000_000L + seq * 1000, "edge-1", new double[8])
              .toJson()
              .put(MetricSample.AGENT_ID, "edge-1@5")
              .put(MetricSample.SEQ, seq));
    }
    return new JsonObject().put(FleetProtocol.ENTRIES, entries);
  }

  @Test
  @DisplayName(
      "samples sent again are passed on once, a jump in the sequence travels on as a gap, and the"
          + " answer is what persist has written")
  void dedupGapAndAck(Vertx vertx) throws Exception {
    List<JsonObject> passed = new ArrayList<>();
    await(
        vertx
            .eventBus()
            .<JsonObject>localConsumer(Addresses.METRICS_SAMPLE, m -> passed.add(m.body()))
            .completion());
    // as if persist had already written #1 before a restart of the hub
    vertx.sharedData().<String, Long>getLocalMap(Addresses.DURABLE_MAP).put("edge-1@5", 1L);
    await(vertx.deployVerticle(new FleetHubVerticle()));

    JsonObject first =
        await(vertx.eventBus().<JsonObject>request(Addresses.FLEET_SAMPLES, batch(1, 2, 3))).body();
    JsonObject again =
        await(vertx.eventBus().<JsonObject>request(Addresses.FLEET_SAMPLES, batch(2, 3, 4, 7)))
            .body();
    assertThat(passed.stream().map(p -> p.getLong(MetricSample.SEQ)))
        .containsExactly(2L, 3L, 4L, 7L);
    assertThat(passed.get(3).getLong(FleetProtocol.GAP)).isEqualTo(2);
    assertThat(first.getJsonObject(FleetProtocol.DURABLE).getLong("edge-1@5")).isEqualTo(1);
    assertThat(first.getString(FleetProtocol.HUB_ID))
        .isEqualTo(again.getString(FleetProtocol.HUB_ID));

    JsonObject bad =
        new JsonObject()
            .put(
                FleetProtocol.ENTRIES,
                new JsonArray().add(new JsonObject().put("host", "x")).add("not an object"));
    await(vertx.eventBus().<JsonObject>request(Addresses.FLEET_SAMPLES, bad));
    assertThat(passed).hasSize(4);
  }
}
