package dev.mad.analysis;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The upload jobs the analysis verticle can answer for: every queued or running one (at most a few,
 * see {@link AnalysisService}) and the newest {@link #KEPT_FINISHED} finished ones, so a script can ask
 * after the fact without the table growing with every upload. Used on the verticle's context only.
 */
final class UploadJobs {
  static final int KEPT_FINISHED = 100;

  private final int keptFinished;
  private final Map<String, UploadJob> jobs = new HashMap<>();
  private final ArrayDeque<String> finished = new ArrayDeque<>();

  UploadJobs() {
    this(KEPT_FINISHED);
  }

  UploadJobs(int keptFinished) {
    this.keptFinished = keptFinished;
  }

  UploadJob add(String id, String fileName) {
    UploadJob job = new UploadJob(id, fileName);
    jobs.put(id, job);
    return job;
  }

  /** The job, or null when there never was one of that id or it has been forgotten. */
  UploadJob get(String id) {
    return jobs.get(id);
  }

  /** Call once the job is done or failed: the oldest finished job beyond the limit is forgotten. */
  void finished(UploadJob job) {
    finished.addLast(job.id());
    while (finished.size() > keptFinished) {
      jobs.remove(finished.removeFirst());
    }
  }
}
