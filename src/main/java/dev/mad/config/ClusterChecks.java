package dev.mad.config;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cluster settings' relations: a known mode, members written as {@code host:port}, a TLS
 * configuration that is whole, and no cluster reachable from other machines without TLS unless the
 * user said so ({@code cluster.allow_insecure}).
 */
public final class ClusterChecks {
  private ClusterChecks() {}

  static void check(JsonObject c) {
    JsonObject cluster = c.getJsonObject("cluster");
    String mode = cluster.getString("mode");
    if (!ConfigSchema.MODES.contains(mode)) {
      throw new ConfigException(
          "config key \"cluster.mode\" must be one of "
              + String.join(", ", ConfigSchema.MODES)
              + ", got '"
              + mode
              + "'");
    }
    for (String key : List.of("name", "host")) {
      String v = cluster.getString(key);
      if (v.isBlank() || v.chars().anyMatch(Character::isWhitespace)) {
        throw new ConfigException(
            "config key \"cluster." + key + "\" must not be empty or contain spaces");
      }
    }
    List<Member> members = members(cluster.getString("members"));
    if (mode.equals("agent") && members.isEmpty()) {
      throw new ConfigException(
          "config key \"cluster.members\" must name the hub (host:port) when cluster.mode is agent");
    }
    JsonObject tls = cluster.getJsonObject("tls");
    boolean pem = !tls.getString("cert_pem").isEmpty() || !tls.getString("key_pem").isEmpty();
    boolean p12 = !tls.getString("p12").isEmpty();
    if (pem && (tls.getString("cert_pem").isEmpty() || tls.getString("key_pem").isEmpty())) {
      throw new ConfigException(
          "config keys \"cluster.tls.cert_pem\" and \"cluster.tls.key_pem\" go together: set both");
    }
    if (pem && p12) {
      throw new ConfigException(
          "config key \"cluster.tls.p12\" and cluster.tls.cert_pem/key_pem both give this member's"
              + " key: set one");
    }
    boolean trust = !tls.getString("ca_pem").isEmpty() || !tls.getString("trust_p12").isEmpty();
    if ((pem || p12) != trust) {
      throw new ConfigException(
          "cluster TLS needs both this member's key (cluster.tls.cert_pem + key_pem, or p12) and the"
              + " CA that signs every member (cluster.tls.ca_pem or trust_p12): members"
              + " authenticate each other");
    }
    if (mode.equals("standalone")) {
      return;
    }
    List<String> exposed = new ArrayList<>();
    if (!ConfigSchema.isLoopback(cluster.getString("host"))) {
      exposed.add("cluster.host " + cluster.getString("host"));
    }
    for (Member m : members) {
      if (!ConfigSchema.isLoopback(m.host())) {
        exposed.add("member " + m.host() + ":" + m.port());
      }
    }
    if (!exposed.isEmpty() && !(pem || p12) && !cluster.getBoolean("allow_insecure")) {
      throw new ConfigException(
          "the cluster reaches other machines ("
              + String.join(", ", exposed)
              + ") but the event bus has no TLS: set cluster.tls (see README, Many hosts) so metric"
              + " data never crosses the network in clear, or, on a trusted network only,"
              + " cluster.allow_insecure to true");
    }
  }

  /** One entry of {@code cluster.members}. */
  public record Member(String host, int port) {}

  /** Parses {@code host:port[,host:port...]}; an entry without its port is refused. */
  public static List<Member> members(String text) {
    List<Member> out = new ArrayList<>();
    if (text.isBlank()) {
      return out;
    }
    for (String raw : text.split(",")) {
      String entry = raw.strip();
      int colon = entry.lastIndexOf(':');
      String host = colon > 0 ? entry.substring(0, colon) : "";
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = -1;
      try {
        port = colon > 0 ? Integer.parseInt(entry.substring(colon + 1)) : -1;
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (host.isEmpty() || port < 1 || port > 65_535 || host.contains(" ")) {
        throw new ConfigException(
            "config key \"cluster.members\" must list host:port entries with explicit ports"
                + " (e.g. 10.0.0.5:5701), got '"
                + entry.toLowerCase(Locale.ROOT)
                + "'");
      }
      out.add(new Member(host, port));
    }
    if (out.size() > 256) {
      throw new ConfigException("config key \"cluster.members\" lists more than 256 members");
    }
    return out;
  }
}
