package dev.mad.fleet;

/**
 * The fields of {@link dev.mad.bus.Addresses#FLEET_SAMPLES}. A batch: {@code {entries: [sample +
 * agent_id + seq], ask: [agent_id...]}}, at most {@link #MAX_BATCH} entries; the hub's answer:
 * {@code {hub_id, durable: {agent_id: last seq written}}} for every stream in the batch or asked
 * for. A new {@code hub_id} means the hub restarted: the agent sends again whatever it holds that
 * is not durable.
 */
public final class FleetProtocol {
  private FleetProtocol() {}

  public static final String ENTRIES = "entries";
  public static final String ASK = "ask";
  public static final String HUB_ID = "hub_id";
  public static final String DURABLE = "durable";

  /** Set by the hub on the first sample after a jump in its stream: how many were lost. */
  public static final String GAP = "gap";

  public static final int MAX_BATCH = 2000;

  /** Longest host name or agent id accepted (a DNS name is at most 253 characters). */
  public static final int MAX_ID_LENGTH = 300;
}
