package dev.mad.bus;

import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Every event-bus address of the product, defined once, with the record each message is (its
 * {@code toJson}/{@code fromJson} are the contract; BusContractTest round-trips what the running
 * product sends). Addresses under {@code dashboard.} are the only ones the browser bridge lets out;
 * nothing is let in.
 */
public final class Addresses {
  private Addresses() {}

  /**
   * Delivery that stays inside this process. Every address below except {@link #FLEET_SAMPLES} is
   * internal: its consumers register with {@code localConsumer} and its messages go with these
   * options, so on a clustered event bus no other member ever sees or answers them.
   */
  public static DeliveryOptions local() {
    return new DeliveryOptions().setLocalOnly(true);
  }

  /**
   * The one cluster address: agents send batches of samples to their hub here, {@code {entries:
   * [sample + agent_id + seq, ...]}}; the hub answers {@code {hub_id, durable: {agent_id: seq}}},
   * the last sequence number of each stream it has written to {@code metrics_history.csv}
   * ({@link dev.mad.fleet.FleetProtocol}).
   */
  public static final String FLEET_SAMPLES = "mad.fleet.samples";

  /**
   * Not an address: the name of the process-local shared map in which persist records, per agent
   * stream, the last sequence number written to the history, and the hub's fleet receiver reads
   * what to acknowledge.
   */
  public static final String DURABLE_MAP = "mad.fleet.durable";

  /** Published by collect: a {@link MetricSample}. */
  public static final String METRICS_SAMPLE = "metrics.sample";

  /** Published by detect, once per sample and in order: a {@link ScoredSample}. */
  public static final String METRICS_SCORED = "metrics.scored";

  /**
   * Request to detect: {@code {host?}} → that host's {@link DetectorStatus} (without a host: this
   * machine's, else the first host seen); fails with 404 for a host detect does not know.
   */
  public static final String DETECT_STATUS = "detect.status";

  /**
   * Request to detect: {@code {}} → {@code {hosts: [{host, state: learning|active|silent,
   * last_sample_age_ms, last_score?, incident_open, local}], max_hosts, samples_refused}}, worst
   * first.
   */
  public static final String DETECT_HOSTS = "detect.hosts";

  /** Published by detect when an incident opens, updates or closes: an {@link IncidentChange}. */
  public static final String INCIDENT = "anomaly.incident";

  /** Request to persist: {@code {limit, host?}} → {@code {incidents: [...]}}, {@link IncidentChange.Report}s newest first (of {@code host} only when given). */
  public static final String INCIDENTS_RECENT = "incidents.recent";

  /**
   * Request to persist: {@code {host?, severity?, state?, from_ms?, to_ms?, limit, offset}} →
   * {@code {total, limit, offset, incidents: [...]}} newest first, from {@code anomaly_history.db}.
   */
  public static final String INCIDENTS_QUERY = "incidents.query";

  /**
   * Request to persist: {@code {action: acknowledged|resolved|false_alarm, host, id, by, comment?}}
   * → the incident as the history now holds it; fails with 404 when there is no such incident, 503
   * when the database cannot be written. On success persist publishes {@link #INCIDENT_WORKED}.
   */
  public static final String INCIDENT_WORK = "incidents.work";

  /**
   * Published by persist when a person worked an incident: {@code {action, by, comment, incident}}
   * (the incident as the history holds it). Detect learns from false alarms and closes resolved
   * incidents, notify tells the webhooks, the dashboard refreshes.
   */
  public static final String INCIDENT_WORKED = "incidents.worked";

  /**
   * Sent to persist when an incident's notifications are held back (by notify when it opens muted,
   * by web when a person silences it): {@code {host, id, until}} (ISO), written to the history's
   * {@code silenced_until}.
   */
  public static final String INCIDENT_MUTED = "incidents.muted";

  /**
   * Request to notify: {@code {op: list}} → {@code {silences, maintenance, receivers}}; {@code {op:
   * silence, host, metric?, until_ms, by, comment?}}, {@code {op: maintenance, host, start_ms,
   * end_ms, by, comment?}} → the one made (400 when refused); {@code {op: unsilence|unmaintain,
   * id}} → {@code {removed}} (404 when there is none).
   */
  public static final String NOTIFY_MUTES = "notify.mutes";

  /** Request to analysis: {@code {limit}} → {@code {analyses: [...]}} newest first. */
  public static final String ANALYSIS_HISTORY = "analysis.history";

  /**
   * Request to analysis: {@code {id}} (absent = the latest) → {@code {analysis, anomalies, chart,
   * results_available}}; fails with 404 when there is no such analysis.
   */
  public static final String ANALYSIS_DETAILS = "analysis.details";

  /**
   * Request to analysis: {@code {id, format: csv|json}} → {@code {path, file_name}}; fails with 404
   * saying which: there is no such analysis, or its result files are no longer kept.
   */
  public static final String ANALYSIS_RESULTS = "analysis.results";

  /**
   * Request to analysis: {@code {job_id, path, file_name, wait?}} → {@code {job_id}} once the file's
   * start is checked; the analysis runs on its own worker pool and reports on
   * {@link #DASHBOARD_ANALYSIS} and {@link #ANALYSIS_JOB}. With {@code wait: true} the reply comes when
   * it is done, as the {@link #ANALYSIS_JOB} reply of the finished job. Fails with 400 and the reason
   * when the file is empty, binary or has no comma-separated header with {@code timestamp} and another
   * column (with {@code wait}, also when a later row is bad), 429 when too many analyses are waiting.
   */
  public static final String ANALYSIS_RUN = "analysis.run";

  /**
   * Request to analysis: {@code {job_id}} → {@code {job_id, file_name, state: queued|running|done|failed,
   * progress: 0..1, error?, analysis_id?, total_records?, anomalies_found?, anomaly_rate?}} (the last
   * four when done); fails with 404 for a job it does not know (only the newest 100 finished are kept).
   */
  public static final String ANALYSIS_JOB = "analysis.job";

  /**
   * Health of one feature verticle: request {@code health.NAME} (collect, detect, persist, analysis, web) →
   * {@code {deployment_id, ...details}}, or a failure when it is unwell. Used by /health and by the
   * main verticle's supervision, which redeploys a verticle that stops answering.
   */
  public static String health(String verticle) {
    return "health." + verticle;
  }

  /** Browser-visible prefix; the bridge permits exactly this prefix, outbound only. */
  public static final String DASHBOARD_PREFIX = "dashboard.";

  /** Scored samples for the dashboard: {@link ScoredSample}s, as on {@link #METRICS_SCORED}. */
  public static final String DASHBOARD_METRICS = DASHBOARD_PREFIX + "metrics";

  /** Scored samples of one host, for that host's dashboard page (a hub receives many hosts). */
  public static String dashboardHost(String host) {
    return DASHBOARD_PREFIX + "host." + host;
  }

  /** Detector status of one host, for that host's dashboard page. */
  public static String dashboardStatus(String host) {
    return DASHBOARD_STATUS + "." + host;
  }

  /** Incident changes for the dashboard: {@link IncidentChange}s, as on {@link #INCIDENT}. */
  public static final String DASHBOARD_ANOMALY = DASHBOARD_PREFIX + "anomaly";

  /** Incidents worked by a person, for the dashboard: as on {@link #INCIDENT_WORKED}. */
  public static final String DASHBOARD_WORKED = DASHBOARD_PREFIX + "worked";

  /** Progress of an uploaded file's analysis: an {@link AnalysisProgress}. */
  public static final String DASHBOARD_ANALYSIS = DASHBOARD_PREFIX + "analysis";

  /** Detector status for the dashboard: a {@link DetectorStatus}, as the {@link #DETECT_STATUS} reply. */
  public static final String DASHBOARD_STATUS = DASHBOARD_PREFIX + "status";
}
