package dev.mad.collect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mad.bus.Addresses;
import dev.mad.bus.MetricSample;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class CollectVerticleTest {

  @Test
  @DisplayName("publishes well-formed host samples at the configured interval")
  void publishesSamples(Vertx vertx, VertxTestContext ctx) throws Throwable {
    List<JsonObject> received = new ArrayList<>();
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.METRICS_SAMPLE,
            msg -> {
              received.add(msg.body());
              if (received.size() == 4) {
                ctx.verify(
                    () -> {
                      for (JsonObject s : received) {
                        MetricSample sample = MetricSample.fromJson(s);
                        assertThat(sample.host()).isEqualTo("test-host");
                        assertThat(sample.value("cpu_percent")).isBetween(0.0, 100.0);
                        assertThat(sample.value("memory_percent")).isBetween(0.0, 100.0);
                        assertThat(sample.value("memory_available_gb")).isPositive();
                        assertThat(sample.value("cpu_frequency")).isGreaterThanOrEqualTo(0.0);
                        for (String rate :
                            List.of(
                                "disk_read_mb",
                                "disk_write_mb",
                                "network_sent_mb",
                                "network_recv_mb")) {
                          assertThat(sample.value(rate))
                              .as(rate)
                              .isGreaterThanOrEqualTo(0.0)
                              .isFinite();
                        }
                      }
                      for (int i = 1; i < received.size(); i++) {
                        long gap =
                            received.get(i).getLong("timestamp")
                                - received.get(i - 1).getLong("timestamp");
                        // Timer jitter aside, samples are one interval apart, not bunched and not
                        // skipped.
                        assertThat(gap).isBetween(150L, 450L);
                      }
                    });
                ctx.completeNow();
              }
            });
    JsonObject config = new JsonObject().put("interval_ms", 300).put("host_name", "test-host");
    vertx.deployVerticle(
        new CollectVerticle(),
        new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setConfig(config));
    assertThat(ctx.awaitCompletion(20, TimeUnit.SECONDS)).isTrue();
    if (ctx.failed()) {
      throw ctx.causeOfFailure();
    }
  }

  @Test
  @DisplayName("CPU busy share counts only busy ticks and never goes negative on a counter reset")
  void cpuBusyFromTicks() {
    // user, nice, system, idle, iowait, irq, softirq, steal
    long[] before = {100, 0, 50, 800, 50, 0, 0, 0};
    long[] after = {160, 0, 70, 880, 90, 0, 0, 0};
    assertThat(HostSampler.cpuBusy(before, after)).isCloseTo(40.0, Offset.offset(1e-9));
    assertThat(HostSampler.cpuBusy(after, before)).isZero();
  }
}
