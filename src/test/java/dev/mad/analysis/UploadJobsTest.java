package dev.mad.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The job table stays bounded: finished jobs are forgotten oldest first, unfinished ones never. */
class UploadJobsTest {

  @Test
  @DisplayName(
      "only the newest finished jobs are kept; a job still running is kept however many finish")
  void boundedByFinishedJobs() {
    UploadJobs jobs = new UploadJobs(2);
    UploadJob running = jobs.add("running", "slow.csv");
    running.running();
    for (int i = 1; i <= 3; i++) {
      UploadJob job = jobs.add("job-" + i, i + ".csv");
      job.done(i, 100, 1, 0.01);
      jobs.finished(job);
    }
    assertThat(jobs.get("job-1")).isNull();
    assertThat(jobs.get("job-2").toJson().getLong("analysis_id")).isEqualTo(2);
    assertThat(jobs.get("job-3").toJson().getString("state")).isEqualTo("done");
    assertThat(jobs.get("running").toJson().getString("state")).isEqualTo("running");
    assertThat(jobs.get("never")).isNull();
  }

  @Test
  @DisplayName("a job reports progress while running, then its analysis or its error")
  void stateAsReported() {
    UploadJob job = new UploadJob("j", "a.csv");
    assertThat(job.toJson().getString("state")).isEqualTo("queued");
    job.running();
    job.progress(0.4567);
    assertThat(job.toJson().getDouble("progress")).isEqualTo(0.457);
    assertThat(job.toJson().containsKey("analysis_id")).isFalse();
    job.failed("a.csv, line 3: 'abc' is not a number");
    assertThat(job.toJson().getString("state")).isEqualTo("failed");
    assertThat(job.toJson().getString("error")).contains("'abc'");
    assertThat(job.toJson().getDouble("progress")).isEqualTo(1.0);
  }
}
