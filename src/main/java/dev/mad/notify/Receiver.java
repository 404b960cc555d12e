package dev.mad.notify;

import dev.mad.config.NotifySpec;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One place notifications go: an Alertmanager (its API v2, {@code POST /api/v2/alerts}, a JSON
 * array of alerts) or a webhook (one JSON document per event, signed with HMAC-SHA256 when a secret
 * is set). Sending is Vert.x's non-blocking HTTP client, bounded by a connect and an idle timeout.
 */
record Receiver(String name, Kind kind, URI uri, String secret) {
  enum Kind {
    ALERTMANAGER,
    WEBHOOK
  }

  /** The header carrying the webhook's signature: {@code sha256=} and the hex HMAC of the body. */
  static final String SIGNATURE = "X-MAD-Signature-256";

  static final String EVENT = "X-MAD-Event";
  static final String EVENT_ID = "X-MAD-Event-Id";

  /** How an attempt ended. */
  record Outcome(boolean delivered, boolean retry, String error) {
    static final Outcome OK = new Outcome(true, false, null);

    static Outcome retry(String error) {
      return new Outcome(false, true, error);
    }

    static Outcome refused(String error) {
      return new Outcome(false, false, error);
    }
  }

  /** The receivers {@code notify} names, Alertmanagers first; names are unique. */
  static List<Receiver> configured(JsonObject notify) {
    List<Receiver> out = new ArrayList<>();
    int i = 0;
    for (String part : notify.getString("alertmanager_urls").split(",")) {
      if (!part.isBlank()) {
        URI base = NotifySpec.receiverUrl(part);
        out.add(new Receiver("alertmanager-" + i++, Kind.ALERTMANAGER, base, null));
      }
    }
    JsonArray hooks = notify.getJsonArray("webhooks");
    for (int k = 0; k < hooks.size(); k++) {
      JsonObject h = hooks.getJsonObject(k);
      String name = h.getString("name");
      String secret = h.getString("secret");
      out.add(
          new Receiver(
              name == null || name.isBlank() ? "webhook-" + k : name,
              Kind.WEBHOOK,
              NotifySpec.receiverUrl(h.getString("url")),
              secret == null || secret.isEmpty() ? null : secret));
    }
    return out;
  }

  /** Where a notification is POSTed. */
  String target() {
    if (kind == Kind.WEBHOOK) {
      return uri.toString();
    }
    String base = uri.toString();
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/api/v2/alerts";
  }

  /**
   * POSTs the body. A 2xx answer delivers it; no answer, a 5xx, 408 or 429 is worth retrying; any
   * other answer means the receiver will never take it (a malformed alert, a wrong path).
   */
  Future<Outcome> post(
      HttpClient client, String body, String event, String eventId, long timeoutMs) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(target())
            .setConnectTimeout(timeoutMs)
            .setIdleTimeout(timeoutMs)
            .putHeader("Content-Type", "application/json")
            .putHeader("User-Agent", "metrics-anomaly-detector");
    if (kind == Kind.WEBHOOK) {
      options.putHeader(EVENT, event).putHeader(EVENT_ID, eventId);
      if (secret != null) {
        options.putHeader(SIGNATURE, "sha256=" + sign(secret, bytes));
      }
    }
    return client
        .request(options)
        .compose(req -> req.send(Buffer.buffer(bytes)))
        .compose(resp -> resp.body().map(b -> outcome(resp, b)))
        .recover(e -> Future.succeededFuture(Outcome.retry(describe(e))));
  }

  private Outcome outcome(HttpClientResponse resp, Buffer body) {
    int code = resp.statusCode();
    if (code >= 200 && code < 300) {
      return Outcome.OK;
    }
    String text = body.toString(StandardCharsets.UTF_8).strip();
    String error =
        "HTTP "
            + code
            + (text.isEmpty() ? "" : ": " + (text.length() > 200 ? text.substring(0, 200) : text));
    return code >= 500 || code == 408 || code == 429
        ? Outcome.retry(error)
        : Outcome.refused(error);
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /** The hex HMAC-SHA256 of the bytes under the secret, as receivers check it. */
  static String sign(String secret, byte[] bytes) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(bytes));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
