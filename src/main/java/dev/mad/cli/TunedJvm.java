package dev.mad.cli;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Runs a command-line analysis of a small or medium file in a child JVM that compiles with C1
 * only ({@code -XX:TieredStopAtLevel=1}). Such a run lasts a second or two, and on a small
 * machine the C2 compiler's work during it costs more CPU than its faster code gives back
 * (bench/batch.sh, 2 cores: 200k rows 1.45 s in this JVM, 1.1 s in the child; 1M rows 3.9 s and
 * 3.1 s; re-measured 2026-12-02 on a shared machine, 200k rows, 5 interleaved runs each: 2.25-2.48 s
 * wall and 4.2-4.6 s CPU in this JVM, 1.58-1.92 s and 2.5-3.0 s in the child); for long files C2
 * wins (10M rows: 15 s against 24 s), so they stay in this JVM. The
 * child is told ({@code -Dmad.jit=c1}) so that code can pick the form C1 compiles best. The
 * child gets this JVM's own options after ours (so a user's flags win), the same standard streams,
 * environment and working directory, and its exit status is passed on. Set {@code MAD_BATCH_FORK=0}
 * to analyse in this JVM whatever the size.
 */
public final class TunedJvm {
  /** Files up to this size (about 1.8 M rows of the seed's schema) analyse faster without C2. */
  static final long C1_ONLY_MAX_BYTES = 128L << 20;

  private static final String CHILD_MARKER = "mad.batch.child";

  private TunedJvm() {}

  /**
   * Runs {@code args} (a {@code --csv-file} command line) in a tuned child JVM when that is faster and
   * possible; returns its exit status, or empty to analyse in this JVM.
   */
  public static OptionalInt run(String[] args, Map<String, String> env) {
    Optional<List<String>> command =
        command(
            args,
            env,
            ProcessHandle.current().info().command().orElse(""),
            System.getProperty("java.class.path", ""),
            ManagementFactory.getRuntimeMXBean().getInputArguments(),
            Boolean.getBoolean(CHILD_MARKER));
    if (command.isEmpty()) {
      return OptionalInt.empty();
    }
    Process child;
    try {
      child = new ProcessBuilder(command.get()).inheritIO().start();
    } catch (IOException | RuntimeException e) {
      return OptionalInt.empty();
    }
    Thread reaper = new Thread(child::destroy, "mad-batch-child-stop");
    Runtime.getRuntime().addShutdownHook(reaper);
    while (true) {
      try {
        int status = child.waitFor();
        Runtime.getRuntime().removeShutdownHook(reaper);
        return OptionalInt.of(status);
      } catch (InterruptedException e) {
        // keep waiting: the child owns the terminal until it ends
      } catch (IllegalStateException e) {
        // shutting down: the hook stops the child
        return OptionalInt.of(1);
      }
    }
  }

  /**
   * The child's command line, or empty when the analysis should run here.
   *
   * @param java      this JVM's launcher executable
   * @param classPath this JVM's class path (the server jar when started with java -jar)
   * @param jvmArgs   this JVM's options
   * @param isChild   whether this JVM is already the tuned child
   */
  static Optional<List<String>> command(
      String[] args,
      Map<String, String> env,
      String java,
      String classPath,
      List<String> jvmArgs,
      boolean isChild) {
    if (isChild || "0".equals(env.get("MAD_BATCH_FORK"))) {
      return Optional.empty();
    }
    if (jvmArgs.stream()
        .anyMatch(
            a ->
                a.startsWith("-XX:TieredStopAtLevel")
                    || a.contains("TieredCompilation")
                    || a.startsWith("-agentlib:jdwp")
                    || a.startsWith("-Xdebug"))) {
      return Optional.empty(); // the user chose the compilers, or is debugging this JVM
    }
    Path input = inputFile(args);
    try {
      if (input == null || !Files.isRegularFile(input) || Files.size(input) > C1_ONLY_MAX_BYTES) {
        return Optional.empty(); // long files gain from C2; a missing one is reported here
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    if (java.isEmpty()
        || classPath.isEmpty()
        || classPath.contains(File.pathSeparator)
        || !classPath.endsWith(".jar")) {
      return Optional.empty(); // not started as java -jar server.jar
    }
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(jvmArgs);
    command.add("-D" + CHILD_MARKER + "=true");
    command.add("-Dmad.jit=c1"); // the forest then uses its branch-free split test, see
    // dev.mad.detect.SplitTest
    command.add("-cp");
    command.add(classPath);
    command.add("dev.mad.Main");
    command.addAll(Arrays.asList(args));
    return Optional.of(command);
  }

  private static Path inputFile(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--csv-file") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--csv-file=")) {
        return Path.of(args[i].substring("--csv-file=".length()));
      }
    }
    return null;
  }
}
