package dev.mad.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import dev.mad.config.ClusterChecks;
import dev.mad.config.ConfigException;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sets up the clustered event bus for agents and the hub: Hazelcast as the cluster manager, joined
 * over TCP/IP to an explicit member list, bound to {@code cluster.host} only, with multicast,
 * auto-detection and the vendor's phone-home off and its log through SLF4J; and the event bus (the
 * connections samples travel on) on {@code cluster.bus_port}, with mutual TLS when configured.
 *
 * <p>Hazelcast's open-source member protocol has no TLS: it carries membership, heartbeats and the
 * event bus's subscription table (address names and node ids), never a metric. Metric data crosses
 * only the event bus, which TLS protects.
 */
public final class ClusterSetup {
  private ClusterSetup() {}

  /** The Hazelcast configuration of this member. */
  public static Config hazelcast(JsonObject cluster) {
    // The maps vertx-hazelcast's default-cluster.xml declares (subscriptions, HA and node info),
    // built here rather than parsed: parsing loads the JDK's XML stack (about 550 classes) into
    // every agent for three declarations.
    Config hz = new Config();
    hz.addMultiMapConfig(
        new MultiMapConfig("__vertx.subs")
            .setBackupCount(1)
            .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    hz.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    hz.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    hz.setClusterName(cluster.getString("name"));
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false"); // Vert.x leaves the cluster on exit
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.setProperty("hazelcast.local.localAddress", cluster.getString("host"));
    int heartbeat = cluster.getInteger("heartbeat_seconds");
    hz.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(heartbeat));
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(6 * heartbeat));
    // a member that cannot reach its list tries again on its own; do not block start-up minutes
    hz.setProperty("hazelcast.tcp.join.port.try.count", "1");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.jmx", "false");
    // Sized for what Vert.x keeps in Hazelcast (the subscription table and node info, a few KB),
    // not for a data grid: fewer partitions and threads keep an agent small and quiet.
    hz.setProperty("hazelcast.partition.count", "31");
    hz.setProperty("hazelcast.operation.thread.count", "1");
    hz.setProperty("hazelcast.operation.generic.thread.count", "1");
    hz.setProperty("hazelcast.io.thread.count", "1");
    hz.setProperty("hazelcast.event.thread.count", "1");
    hz.setProperty("hazelcast.health.monitoring.level", "OFF");
    // Idle work nothing here needs: replicating CRDTs (Vert.x keeps none) every second, the largest
    // share of an idle agent's Hazelcast time in a profile.
    hz.getCRDTReplicationConfig().setReplicationPeriodMillis(60_000);
    hz.getMetricsConfig().setEnabled(false); // its own metrics, gathered every 5 s, unused here
    hz.getJetConfig().setEnabled(false);
    // A restarted hub forms a cluster of its own first; the agents' members look for it every few
    // seconds and merge (the default first look is after 300 s, longer than an agent's buffer).
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    hz.setProperty("hazelcast.merge.next.run.delay.seconds", "5");

    NetworkConfig net = hz.getNetworkConfig();
    net.setPort(cluster.getInteger("port")).setPortAutoIncrement(false);
    net.getInterfaces().setEnabled(false);
    String publicHost = cluster.getString("public_host");
    if (!publicHost.isBlank()) {
      net.setPublicAddress(publicHost + ":" + cluster.getInteger("port"));
    }
    net.getRestApiConfig().setEnabled(false);
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    List<String> members = new ArrayList<>();
    for (ClusterChecks.Member m : ClusterChecks.members(cluster.getString("members"))) {
      members.add(m.host() + ":" + m.port());
    }
    members.add(cluster.getString("host") + ":" + cluster.getInteger("port"));
    join.getTcpIpConfig().setEnabled(true).setMembers(members).setConnectionTimeoutSeconds(5);
    return hz;
  }

  /** The cluster manager of this member. */
  public static HazelcastClusterManager clusterManager(JsonObject cluster) {
    return new HazelcastClusterManager(hazelcast(cluster));
  }

  /**
   * Sets the event bus's bind address, port and (when configured) mutual TLS on {@code options}.
   *
   * @throws ConfigException when a TLS file is missing or unreadable
   */
  public static EventBusOptions eventBus(JsonObject cluster, EventBusOptions options) {
    options.setHost(cluster.getString("host")).setPort(cluster.getInteger("bus_port"));
    String publicHost = cluster.getString("public_host");
    if (!publicHost.isBlank()) {
      options.setClusterPublicHost(publicHost);
    }
    JsonObject tls = cluster.getJsonObject("tls");
    boolean pem = !tls.getString("cert_pem").isEmpty();
    boolean p12 = !tls.getString("p12").isEmpty();
    if (!pem && !p12) {
      return options;
    }
    options.setSsl(true).setClientAuth(ClientAuth.REQUIRED);
    if (pem) {
      options.setKeyCertOptions(
          new PemKeyCertOptions()
              .setCertPath(readable(tls, "cert_pem"))
              .setKeyPath(readable(tls, "key_pem")));
    } else {
      options.setKeyCertOptions(
          new PfxOptions()
              .setPath(readable(tls, "p12"))
              .setPassword(tls.getString("p12_password")));
    }
    if (!tls.getString("ca_pem").isEmpty()) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(readable(tls, "ca_pem")));
    } else {
      options.setTrustOptions(
          new PfxOptions()
              .setPath(readable(tls, "trust_p12"))
              .setPassword(tls.getString("trust_p12_password")));
    }
    return options;
  }

  private static String readable(JsonObject tls, String key) {
    Path p = Path.of(tls.getString(key));
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new ConfigException(
          "config key \"cluster.tls."
              + key
              + "\" names "
              + p
              + ", which "
              + (Files.exists(p) ? "cannot be read" : "does not exist"));
    }
    return p.toString();
  }
}
