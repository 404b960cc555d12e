package dev.mad.analysis;

import dev.mad.batch.BatchSettings;
import dev.mad.batch.csv.InputDataException;
import dev.mad.logging.LogSetup;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Runs one upload's analysis in a child JVM whose heap is {@code analysis.memory_mb}, so that an
 * analysis can never take memory, GC pauses or an OutOfMemoryError from the live pipeline: the
 * server's own heap and RSS stay where they were (an analysis of 256 columns grew the server by
 * 550 MB when it ran in-process), and what the child used goes back to the OS when it ends. The
 * child runs at a lower CPU priority ({@code nice}) where the OS has it.
 *
 * <p>Hand-written because it is a few lines of process plumbing no library adds anything to: the
 * request goes as one JSON argument; the child answers on standard output with {@code progress F}
 * lines and one last line, {@code done {json}}, {@code bad-input MESSAGE} or {@code failed
 * MESSAGE}; its log events come on standard error ({@link LogSetup#child}) and are logged again
 * here under their own logger; it ends itself when its standard input closes, so it never outlives
 * a server that was killed.
 */
final class ChildAnalysis {
  private static final Logger LOG = LoggerFactory.getLogger(ChildAnalysis.class);
  private static final Pattern EVENT =
      Pattern.compile("(ERROR|WARN|INFO|DEBUG|TRACE)\t(\\S+)\t(.*)");
  private static final long PROGRESS_EVERY_NANOS = 100_000_000L;

  /** What the server needs from a finished analysis. */
  record Result(long analysisId, long rows, long anomalies, double anomalyRate) {}

  private ChildAnalysis() {}

  /**
   * Analyses {@code input} in a child JVM and waits for it. Blocking: call from a worker.
   *
   * @param detect the server's detect section (the upload's settings are built from it)
   * @param running receives the child process as soon as it runs, so that it can be stopped
   */
  static Result run(
      Path input,
      String name,
      JsonObject detect,
      Path logsDir,
      int keepAnalyses,
      int memoryMb,
      DoubleConsumer progress,
      java.util.function.Consumer<Process> running)
      throws InputDataException, IOException {
    JsonObject request =
        new JsonObject()
            .put("input", input.toAbsolutePath().toString())
            .put("name", name)
            .put("logs_dir", logsDir.toAbsolutePath().toString())
            .put("keep_analyses", keepAnalyses)
            .put("detect", detect);
    Process child = new ProcessBuilder(command(memoryMb, input, request)).start();
    running.accept(child);
    boolean[] outOfMemory = {false};
    Thread log = new Thread(() -> relayLog(child, outOfMemory), "mad-analysis-child-log");
    log.setDaemon(true);
    log.start();
    String last = null;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith("progress ")) {
          try {
            progress.accept(Double.parseDouble(line.substring("progress ".length())));
          } catch (NumberFormatException e) {
            LOG.debug("Odd progress line from the analysis: {}", line);
          }
        } else if (line.startsWith("done ")
            || line.startsWith("bad-input ")
            || line.startsWith("failed ")) {
          last = line;
        } else {
          // the JVM's own lines: -XX:+ExitOnOutOfMemoryError's "Terminating due to ..."
          outOfMemory[0] |= line.contains("OutOfMemoryError");
          LOG.warn("analysis process: {}", line);
        }
      }
    }
    int status;
    try {
      status = child.waitFor();
      log.join(1000);
    } catch (InterruptedException e) {
      child.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the analysis ran", e);
    }
    if (last != null && last.startsWith("done ")) {
      JsonObject done = new JsonObject(last.substring("done ".length()));
      return new Result(
          done.getLong("analysis_id"),
          done.getLong("rows"),
          done.getLong("anomalies"),
          done.getDouble("anomaly_rate"));
    }
    if (last != null && last.startsWith("bad-input ")) {
      throw new InputDataException(last.substring("bad-input ".length()));
    }
    if (last != null && last.startsWith("failed ")) {
      throw new IOException(last.substring("failed ".length()));
    }
    if (outOfMemory[0]) {
      throw new IOException(
          "the analysis needs more memory than analysis.memory_mb (" + memoryMb + " MB) allows");
    }
    throw new IOException(
        "the analysis process ended with status " + status + " before giving a result");
  }

  private static List<String> command(int memoryMb, Path input, JsonObject request) {
    List<String> command = new ArrayList<>();
    File nice = new File("/usr/bin/nice");
    if (nice.canExecute()) {
      command.add(nice.getPath());
      command.add("-n");
      command.add("10");
    }
    command.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.add("-Xmx" + memoryMb + "m");
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-XX:+UseSerialGC");
    command.add(
        "-XX:TieredStopAtLevel=1"); // an upload's run is short: C2 would cost more than it gives
    command.add("-Dmad.jit=c1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ChildAnalysis.class.getName());
    command.add(request.encode());
    return command;
  }

  /** Logs the child's events again under their own logger and level; other lines as warnings. */
  private static void relayLog(Process child, boolean[] outOfMemory) {
    try (BufferedReader err =
        new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
      for (String line = err.readLine(); line != null; line = err.readLine()) {
        Matcher m = EVENT.matcher(line);
        if (m.matches()) {
          LoggerFactory.getLogger(m.group(2))
              .atLevel(Level.valueOf(m.group(1)))
              .log("{}", m.group(3));
        } else if (!line.isBlank()) {
          // the JVM's own lines: -XX:+ExitOnOutOfMemoryError's "Terminating due to ..."
          outOfMemory[0] |= line.contains("OutOfMemoryError");
          LOG.warn("analysis process: {}", line);
        }
      }
    } catch (IOException e) {
      LOG.debug("Reading the analysis process' log ended: {}", e.toString());
    }
  }

  /** The child: analyses the file the request names and answers on standard output. */
  public static void main(String[] args) {
    PrintStream answer =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.setOut(System.err);
    LogSetup.child();
    Thread parentWatch =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // the server writes nothing; end of input means it is gone
                }
              } catch (IOException e) {
                // the same: the server is gone
              }
              Runtime.getRuntime().halt(1);
            },
            "mad-analysis-parent-watch");
    parentWatch.setDaemon(true);
    parentWatch.start();
    int status;
    try {
      JsonObject request = new JsonObject(args.length == 1 ? args[0] : "");
      Path input = Path.of(request.getString("input"));
      if (!Files.isRegularFile(input)) {
        throw new IOException("the upload is gone: " + input);
      }
      long[] last = {0};
      BatchRunner.Outcome outcome =
          BatchRunner.run(
              input,
              request.getString("name"),
              BatchSettings.forUploads(request.getJsonObject("detect")),
              Path.of(request.getString("logs_dir")),
              request.getInteger("keep_analyses"),
              null,
              "upload",
              fraction -> {
                long now = System.nanoTime();
                if (now - last[0] >= PROGRESS_EVERY_NANOS) {
                  last[0] = now;
                  answer.println(String.format(Locale.ROOT, "progress %.4f", fraction));
                }
              });
      answer.println(
          "done "
              + new JsonObject()
                  .put("analysis_id", outcome.analysisId())
                  .put("rows", outcome.result().rows())
                  .put("anomalies", outcome.result().anomalies())
                  .put("anomaly_rate", outcome.result().anomalyRate())
                  .encode());
      status = 0;
    } catch (InputDataException e) {
      answer.println("bad-input " + oneLine(e.getMessage()));
      status = 3;
    } catch (IOException | java.sql.SQLException | RuntimeException e) {
      LoggerFactory.getLogger(ChildAnalysis.class).error("Analysis failed: {}", e.toString());
      answer.println("failed " + oneLine(String.valueOf(e.getMessage())));
      status = 1;
    }
    answer.flush();
    System.exit(status);
  }

  private static String oneLine(String s) {
    return s.replaceAll("[\\r\\n]+", " ");
  }
}
