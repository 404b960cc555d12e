package dev.mad.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mad.MainVerticle;
import dev.mad.bus.Addresses;
import dev.mad.config.ConfigSchema;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hub and an agent as two clustered Vert.x instances in this JVM, on loopback ports of their
 * own: samples reach the hub with their host and stream, each host gets its own model, and
 * internal addresses are never answered across the cluster.
 */
class ClusterTest {
  @TempDir Path hubLogs;
  @TempDir Path agentLogs;
  private Vertx hub;
  private Vertx agent;

  @AfterEach
  void close() throws Exception {
    for (Vertx v : new Vertx[] {agent, hub}) {
      if (v != null) {
        v.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static JsonObject config(
      Path logs, JsonObject cluster, JsonObject tls, JsonObject extra) {
    cluster.put("heartbeat_seconds", 1);
    if (tls != null) {
      cluster.put("tls", tls);
    }
    JsonObject c =
        new JsonObject()
            .put("logs_dir", logs.toString())
            .put("cluster", cluster)
            .put("http", new JsonObject().put("port", 0))
            .put("detect", new JsonObject().put("baseline_seconds", 5).put("window_seconds", 10));
    return c.mergeIn(extra, true);
  }

  private static Vertx clustered(JsonObject config) throws Exception {
    JsonObject cluster = ConfigSchema.resolve(config, Map.of(), Map.of()).getJsonObject("cluster");
    VertxOptions options = new VertxOptions();
    ClusterSetup.eventBus(cluster, options.getEventBusOptions());
    return await(
        Vertx.builder()
            .with(options)
            .withClusterManager(ClusterSetup.clusterManager(cluster))
            .buildClustered());
  }

  /** A hub on its own loopback ports, without sampling this machine; {@code tls} may be null. */
  private JsonObject hubConfig(int hubPort, JsonObject tls) throws IOException {
    JsonObject cluster =
        new JsonObject().put("mode", "hub").put("port", hubPort).put("bus_port", freePort());
    return config(
        hubLogs,
        cluster,
        tls,
        new JsonObject().put("hub", new JsonObject().put("collect_local", false)));
  }

  /** An agent of {@code simulated} synthetic hosts joining the hub at {@code hubPort}. */
  private JsonObject agentConfig(int hubPort, int simulated, JsonObject tls) throws IOException {
    JsonObject cluster =
        new JsonObject()
            .put("mode", "agent")
            .put("port", freePort())
            .put("bus_port", freePort())
            .put("members", "127.0.0.1:" + hubPort);
    return config(
        agentLogs,
        cluster,
        tls,
        new JsonObject().put("agent", new JsonObject().put("simulate_hosts", simulated)));
  }

  /** Builds a clustered Vert.x for {@code config} and deploys the product on it. */
  private static Vertx started(JsonObject config) throws Exception {
    Vertx v = clustered(config);
    await(v.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)));
    return v;
  }

  /** Polls {@code probe} every 200 ms until it returns non-null, for at most {@code seconds}. */
  private static <T> T eventually(int seconds, Supplier<T> probe) throws InterruptedException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      T t = probe.get();
      if (t != null) {
        return t;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("not within " + seconds + " s");
  }

  @Test
  @DisplayName(
      "an agent's simulated hosts reach the hub, each with its own model, in metrics_history.csv"
          + " with their stream and sequence; no internal request crosses the cluster")
  void agentSamplesReachTheHub() throws Exception {
    int hubPort = freePort();
    hub = started(hubConfig(hubPort, null));
    agent = started(agentConfig(hubPort, 2, null));

    // both hosts listed by the hub, each with its own detector that trains on its own samples
    JsonArray hosts =
        eventually(
            60,
            () -> {
              try {
                JsonArray list =
                    await(
                            hub.eventBus()
                                .<JsonObject>request(
                                    Addresses.DETECT_HOSTS, new JsonObject(), Addresses.local()))
                        .body()
                        .getJsonArray("hosts");
                boolean bothActive =
                    list.size() == 2
                        && list.stream()
                            .allMatch(h -> "active".equals(((JsonObject) h).getString("state")));
                return bothActive ? list : null;
              } catch (Exception e) {
                return null;
              }
            });
    TreeSet<String> names = new TreeSet<>();
    hosts.forEach(h -> names.add(((JsonObject) h).getString("host")));
    assertThat(names).containsExactly("sim-0001", "sim-0002");
    JsonObject one =
        await(
                hub.eventBus()
                    .<JsonObject>request(
                        Addresses.DETECT_STATUS,
                        new JsonObject().put("host", "sim-0001"),
                        Addresses.local()))
            .body();
    JsonObject two =
        await(
                hub.eventBus()
                    .<JsonObject>request(
                        Addresses.DETECT_STATUS,
                        new JsonObject().put("host", "sim-0002"),
                        Addresses.local()))
            .body();
    assertThat(one.getString("host")).isEqualTo("sim-0001");
    assertThat(two.getString("host")).isEqualTo("sim-0002");
    assertThat(one.getDouble("threshold")).isNotEqualTo(two.getDouble("threshold"));

    // the history holds each stream's samples once, numbered from 1 without a gap
    List<String> lines = Files.readAllLines(hubLogs.resolve("metrics_history.csv"));
    assertThat(lines.get(0)).endsWith(",host,agent_id,seq");
    Map<String, TreeSet<Long>> seqs = new HashMap<>();
    int rows = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      assertThat(f).hasSize(15);
      assertThat(f[12]).isIn("sim-0001", "sim-0002");
      assertThat(f[13]).startsWith(f[12] + "@");
      assertThat(seqs.computeIfAbsent(f[13], k -> new TreeSet<>()).add(Long.parseLong(f[14])))
          .as("sequence %s of %s written once", f[14], f[13])
          .isTrue();
      rows++;
    }
    assertThat(seqs).hasSize(2);
    for (TreeSet<Long> s : seqs.values()) {
      assertThat(s.first()).isEqualTo(1);
      assertThat(s.last()).isEqualTo(s.size());
    }
    // exactly one detector per sample: the data points detect counted are the rows written, or
    // the few still on their way
    long counted = one.getLong("data_points") + two.getLong("data_points");
    assertThat(counted).isBetween((long) rows - 4, (long) rows + 4);

    // the agent's members cannot reach the hub's internal addresses, even without local-only
    for (String address :
        List.of(Addresses.DETECT_STATUS, Addresses.health("persist"), Addresses.INCIDENTS_RECENT)) {
      assertThatThrownBy(
              () ->
                  await(
                      agent
                          .eventBus()
                          .request(
                              address,
                              new JsonObject(),
                              new DeliveryOptions().setSendTimeout(3000))))
          .as(address)
          .hasCauseInstanceOf(ReplyException.class)
          .satisfies(
              e ->
                  assertThat(((ReplyException) e.getCause()).failureType())
                      .isEqualTo(ReplyFailure.NO_HANDLERS));
    }
  }

  private static JsonObject tls(SelfSignedCertificate cert, SelfSignedCertificate ca) {
    return new JsonObject()
        .put("cert_pem", cert.certificatePath())
        .put("key_pem", cert.privateKeyPath())
        .put("ca_pem", ca.certificatePath());
  }

  private JsonArray hubHosts() {
    try {
      return await(
              hub.eventBus()
                  .<JsonObject>request(Addresses.DETECT_HOSTS, new JsonObject(), Addresses.local()))
          .body()
          .getJsonArray("hosts");
    } catch (Exception e) {
      return new JsonArray();
    }
  }

  @Test
  @DisplayName(
      "with TLS, an agent whose certificate the hub's CA signed delivers; one with another"
          + " certificate delivers nothing")
  void mutualTls() throws Exception {
    SelfSignedCertificate hubCert = SelfSignedCertificate.create("localhost");
    SelfSignedCertificate stranger = SelfSignedCertificate.create("localhost");
    int hubPort = freePort();
    hub = started(hubConfig(hubPort, tls(hubCert, hubCert)));

    // a member with a certificate the hub does not trust joins Hazelcast, but its batches fail
    // and its samples never reach the hub's event bus
    agent = started(agentConfig(hubPort, 1, tls(stranger, hubCert)));
    eventually(
        30,
        () -> {
          try {
            JsonObject health =
                await(
                        agent
                            .eventBus()
                            .<JsonObject>request(
                                Addresses.health("agent"), new JsonObject(), Addresses.local()))
                    .body();
            return health.getLong("failed_sends") > 0 ? health : null;
          } catch (Exception e) {
            return null;
          }
        });
    assertThat(hubHosts()).isEmpty();
    await(agent.close());

    agent = started(agentConfig(hubPort, 1, tls(hubCert, hubCert)));
    JsonArray hosts = eventually(30, () -> hubHosts().isEmpty() ? null : hubHosts());
    assertThat(hosts.getJsonObject(0).getString("host")).isEqualTo("sim-0001");
  }
}
