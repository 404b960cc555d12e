package dev.mad;

import dev.mad.logging.LogSetup;
import dev.mad.cli.BatchCommand;
import dev.mad.cli.TunedJvm;
import dev.mad.config.ConfigException;
import dev.mad.config.ConfigLoader;
import dev.mad.config.ConfigSchema;
import dev.mad.generate.DataGenCommand;
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
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * Entry point of {@code server.jar}: dispatches to the server, the batch analysis
 * ({@code --csv-file}) or the data generator ({@code datagen}).
 */
public final class Main {
  static final int EXIT_USAGE = 2;

  private Main() {
  }

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
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
      out.print(usage());
      return 0;
    }
    if (args.length > 0 && args[0].equals("datagen")) {
      return DataGenCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
    }
    if (Arrays.asList(args).contains("--csv-file")) {
      return BatchCommand.run(args, out, err);
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
      return EXIT_USAGE;
    } catch (ConfigException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    }
    LogSetup.server(Path.of(config.getString(ConfigSchema.LOGS_DIR)));
    JsonObject effective = config;
    VertxApplicationHooks hooks = new VertxApplicationHooks() {
      @Override
      public JsonObject afterConfigParsed(JsonObject parsed) {
        return effective;
      }

      @Override
      public VertxBuilder createVertxBuilder(VertxOptions options) {
        return Operations.metricsEnabled(options);
      }

      @Override
      public Supplier<? extends io.vertx.core.Deployable> verticleSupplier() {
        return MainVerticle::new;
      }

      @Override
      public void afterFailureToDeployVerticle(HookContext context, Throwable t) {
        // The launcher's own log line carries a stack trace; the user needs one clear sentence.
        err.println("error: the server did not start: " + t.getMessage());
      }
    };
    new VertxApplication(new String[0], hooks).launch();
    return -1;
  }

  /** Parses {@code [-conf FILE] [--port N]} and resolves the effective configuration. */
  static JsonObject serverConfig(String[] args) {
    Path confFile = null;
    Map<String, Object> overrides = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-conf", "--conf" -> confFile = Path.of(value(args, ++i, arg));
        case "--port" -> overrides.put(ConfigSchema.HTTP_PORT, value(args, ++i, arg));
        default -> throw new UsageException("unknown option '" + arg + "'");
      }
    }
    return confFile == null
        ? ConfigSchema.resolve(new JsonObject(), System.getenv(), overrides)
        : ConfigLoader.load(confFile, System.getenv(), overrides);
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
          java -jar target/server.jar [-conf FILE] [--port N]
              Start the monitoring server: samples this host every second, learns what is
              normal, flags anomalies, serves the dashboard on http://127.0.0.1:5000.
              -conf FILE   JSON configuration (see conf/config.json; every key is optional)
              --port N     HTTP port, overrides http.port

          java -jar target/server.jar --csv-file FILE [options]
        """ + BatchCommand.usageBody() + """

          java -jar target/server.jar datagen [options]
        """ + indent(DataGenCommand.usage()) + """

          java -jar target/server.jar --help
              Print this text.
        """;
  }

  private static String indent(String text) {
    StringBuilder sb = new StringBuilder();
    for (String line : text.split("\n")) {
      sb.append(line.isBlank() ? "" : "      ").append(line).append('\n');
    }
    return sb.toString();
  }

  /** A command-line mistake; reported with exit code 2. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
