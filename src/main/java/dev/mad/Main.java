package dev.mad;

import dev.mad.cli.BatchCommand;
import dev.mad.cli.TunedJvm;
import dev.mad.cluster.ClusterSetup;
import dev.mad.config.ConfigException;
import dev.mad.config.ConfigLoader;
import dev.mad.config.ConfigSchema;
import dev.mad.files.IoFailure;
import dev.mad.generate.DataGenCommand;
import dev.mad.logging.LogSetup;
import dev.mad.process.ExitCode;
import dev.mad.process.UsageException;
import io.vertx.core.Deployable;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Entry point of {@code server.jar}: dispatches to the server, the batch analysis
 * ({@code --csv-file}) or the data generator ({@code datagen}).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (Arrays.asList(args).contains("--csv-file")) {
      OptionalInt tuned = TunedJvm.run(args, System.getenv());
      if (tuned.isPresent()) {
        System.exit(tuned.getAsInt());
      }
    }
    int code = run(args, System.out, System.err);
    if (code >= 0) {
      System.exit(code);
    }
  }

  /** Runs one mode; returns its exit code, or -1 when the server was started and keeps running. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0
        && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
      out.print(usage());
      return 0;
    }
    if (args.length > 0 && args[0].equals("datagen")) {
      return DataGenCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
    }
    if (Arrays.asList(args).contains("--csv-file")) {
      return BatchCommand.run(args, out, err);
    }
    if (args.length > 0 && (args[0].equals("agent") || args[0].equals("hub"))) {
      // "agent ..." and "hub ..." are the server in that cluster mode
      String[] rest = new String[args.length];
      rest[0] = "--mode=" + args[0];
      System.arraycopy(args, 1, rest, 1, args.length - 1);
      return startServer(rest, err);
    }
    return startServer(args, err);
  }

  private static int startServer(String[] args, PrintStream err) {
    JsonObject config;
    try {
      config = serverConfig(args);
    } catch (UsageException e) {
      err.println("error: " + e.getMessage());
      err.println("Run 'java -jar target/server.jar --help' for usage.");
      return ExitCode.USAGE.code();
    } catch (ConfigException e) {
      err.println("error: " + e.getMessage());
      return ExitCode.USAGE.code();
    }
    JsonObject clusterConfig = config.getJsonObject("cluster");
    if (!clusterConfig.getString("mode").equals("standalone")) {
      try {
        // the TLS files are read now, so a missing one is one clear line, not a launcher failure
        ClusterSetup.eventBus(clusterConfig, new io.vertx.core.eventbus.EventBusOptions());
      } catch (ConfigException e) {
        err.println("error: " + e.getMessage());
        return ExitCode.USAGE.code();
      }
    }
    LogSetup.server(Path.of(config.getString(ConfigSchema.LOGS_DIR)));
    Operations.returnIdleHeap();
    JsonObject effective = config;
    JsonObject cluster = config.getJsonObject("cluster");
    boolean clustered = !cluster.getString("mode").equals("standalone");
    VertxApplicationHooks hooks =
        new VertxApplicationHooks() {
          @Override
          public JsonObject afterConfigParsed(JsonObject parsed) {
            return effective;
          }

          @Override
          public VertxBuilder createVertxBuilder(VertxOptions options) {
            VertxBuilder builder = Operations.metricsEnabled(options);
            if (cluster.getString("mode").equals("agent")
                && config.getJsonObject("agent").getInteger("simulate_hosts") == 0) {
              // an agent samples one machine and sends one stream: a few threads do
              options.setEventLoopPoolSize(1).setWorkerPoolSize(2).setInternalBlockingPoolSize(2);
            }
            if (clustered) {
              ClusterSetup.eventBus(cluster, options.getEventBusOptions());
              builder.with(options).withClusterManager(ClusterSetup.clusterManager(cluster));
            }
            return builder;
          }

          @Override
          public Supplier<? extends Deployable> verticleSupplier() {
            return MainVerticle::new;
          }

          @Override
          public void afterFailureToDeployVerticle(HookContext context, Throwable t) {
            // The launcher's own log line carries a stack trace; the user needs one clear sentence.
            err.println("error: the server did not start: " + IoFailure.describe(t));
          }
        };
    // exitOnFailure false: a start-up failure (port taken, logs directory locked) comes back here
    // as the
    // launcher's own code, and leaves with the product's documented one
    // agent and hub join the cluster (the launcher's -cluster); standalone opens no cluster port
    String[] launcherArgs = clustered ? new String[] {"-cluster"} : new String[0];
    int launched = new VertxApplication(launcherArgs, hooks, false, false) {}.launch();
    return launched == 0 ? -1 : ExitCode.USAGE.code();
  }

  /**
   * Parses {@code [-conf FILE] [--option VALUE | --option=VALUE]...} ({@link ConfigSchema#SERVER_OPTIONS})
   * and resolves the effective configuration: file, then environment, then these options.
   */
  static JsonObject serverConfig(String[] args) {
    Path confFile = null;
    Map<String, Object> overrides = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        inline = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      if (arg.equals("-conf") || arg.equals("--conf")) {
        confFile = Path.of(inline != null ? inline : value(args, ++i, arg));
        continue;
      }
      String flag = arg;
      ConfigSchema.Option option =
          ConfigSchema.SERVER_OPTIONS.stream()
              .filter(o -> o.flag().equals(flag))
              .findFirst()
              .orElseThrow(() -> new UsageException("unknown option '" + flag + "'"));
      String text = inline != null ? inline : value(args, ++i, arg);
      if (overrides.put(option.path(), option.setting().parseOption(arg, text)) != null) {
        throw new UsageException("option " + arg + " is given twice");
      }
    }
    Path file = confFile;
    Function<Map<String, Object>, JsonObject> resolve =
        o ->
            file == null
                ? ConfigSchema.resolve(new JsonObject(), System.getenv(), o)
                : ConfigLoader.load(file, System.getenv(), o);
    if (overrides.get("detect.window_seconds") instanceof Integer window
        && !overrides.containsKey("detect.baseline_seconds")) {
      // The original's "--window-size 30" trains sooner: a window shorter than the baseline
      // shortens it too.
      Map<String, Object> others = new HashMap<>(overrides);
      others.remove("detect.window_seconds");
      if (window < resolve.apply(others).getJsonObject("detect").getInteger("baseline_seconds")) {
        overrides.put("detect.baseline_seconds", window);
      }
    }
    return resolve.apply(overrides);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new UsageException("option " + option + " needs a value");
    }
    return args[i];
  }

  static String usage() {
    return """
        Metrics Anomaly Detector

        Usage:
          java -jar target/server.jar [-conf FILE] [options]
              Start the monitoring server: samples this host every second, learns what is
              normal, flags anomalies, serves the dashboard on http://127.0.0.1:5000.
              -conf FILE   JSON configuration (see conf/config.json; every key is optional)
        """
        + serverOptions()
        + """

          java -jar target/server.jar --csv-file FILE [options]
        """
        + BatchCommand.usageBody()
        + """

          java -jar target/server.jar datagen [options]
        """
        + indent(DataGenCommand.usage())
        + """

          java -jar target/server.jar --help
              Print this text.
        """;
  }

  /** One line per server option: its setting, what it does, and its range. */
  private static String serverOptions() {
    StringBuilder sb = new StringBuilder();
    for (ConfigSchema.Option o : ConfigSchema.SERVER_OPTIONS) {
      var s = o.setting();
      String range =
          switch (s.type()) {
            case INT, LONG, DOUBLE ->
                "; "
                    + s.allowed().replace("must be a ", "").replace("whole number", "integer")
                    + ", default "
                    + s.defaultValue();
            default -> s.defaultValue().toString().isEmpty() ? "" : "; default " + s.defaultValue();
          };
      sb.append(
          String.format(
              Locale.ROOT, "      %-20s %s (%s%s)%n", o.flag() + " V", s.doc(), s.path(), range));
    }
    return sb.toString();
  }

  private static String indent(String text) {
    StringBuilder sb = new StringBuilder();
    for (String line : text.split("\n")) {
      sb.append(line.isBlank() ? "" : "      ").append(line).append('\n');
    }
    return sb.toString();
  }
}
