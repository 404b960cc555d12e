package dev.mad.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The cluster settings a user can get wrong, each refused with a sentence naming the key. */
class ClusterChecksTest {
  private static JsonObject cluster(JsonObject c) {
    return new JsonObject().put("cluster", c);
  }

  private static JsonObject resolve(JsonObject file) {
    return ConfigSchema.resolve(file, Map.of(), Map.of()).getJsonObject("cluster");
  }

  @Test
  @DisplayName("standalone by default; an unknown mode, or an agent without its hub, is refused")
  void modes() {
    assertThat(resolve(new JsonObject()).getString("mode")).isEqualTo("standalone");
    assertThatThrownBy(() -> resolve(cluster(new JsonObject().put("mode", "leader"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("\"cluster.mode\" must be one of standalone, agent, hub");
    assertThatThrownBy(() -> resolve(cluster(new JsonObject().put("mode", "agent"))))
        .hasMessageContaining("\"cluster.members\" must name the hub");
  }

  @Test
  @DisplayName("members are host:port with explicit ports")
  void members() {
    JsonObject ok =
        resolve(
            cluster(
                new JsonObject()
                    .put("mode", "agent")
                    .put("members", "127.0.0.1:5701, [::1]:5701")));
    assertThat(ok.getString("members")).contains("5701");
    for (String bad :
        new String[] {"127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", ":5701", "a b:1"}) {
      assertThatThrownBy(
              () -> resolve(cluster(new JsonObject().put("mode", "agent").put("members", bad))))
          .as(bad)
          .hasMessageContaining("explicit ports");
    }
  }

  @Test
  @DisplayName(
      "a cluster reaching other machines is refused without TLS, unless allow_insecure; TLS must"
          + " be whole")
  void insecureRefused() {
    JsonObject wide = new JsonObject().put("mode", "hub").put("host", "10.0.0.5");
    assertThatThrownBy(() -> resolve(cluster(wide.copy())))
        .hasMessageContaining("cluster.host 10.0.0.5")
        .hasMessageContaining("no TLS");
    JsonObject remoteMember = new JsonObject().put("mode", "agent").put("members", "10.0.0.5:5701");
    assertThatThrownBy(() -> resolve(cluster(remoteMember)))
        .hasMessageContaining("member 10.0.0.5:5701");
    assertThat(resolve(cluster(wide.copy().put("allow_insecure", true))).getString("host"))
        .isEqualTo("10.0.0.5");
    JsonObject tls =
        new JsonObject().put("cert_pem", "c.pem").put("key_pem", "k.pem").put("ca_pem", "ca.pem");
    assertThat(
            resolve(cluster(wide.copy().put("tls", tls))).getJsonObject("tls").getString("ca_pem"))
        .isEqualTo("ca.pem");
    assertThatThrownBy(
            () ->
                resolve(cluster(wide.copy().put("tls", new JsonObject().put("cert_pem", "c.pem")))))
        .hasMessageContaining("go together");
    assertThatThrownBy(
            () ->
                resolve(
                    cluster(
                        wide.copy()
                            .put(
                                "tls", new JsonObject().put("cert_pem", "c").put("key_pem", "k")))))
        .hasMessageContaining("authenticate each other");
    // standalone never opens the cluster, so its cluster.host does not matter
    assertThat(resolve(cluster(new JsonObject().put("host", "10.0.0.5"))).getString("mode"))
        .isEqualTo("standalone");
  }
}
