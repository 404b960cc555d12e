package dev.mad.detect;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * A host's live model on disk, so a restart does not make the server blind: {@code
 * logs_dir/models/HOST.model}, written after every training and read when the host's first sample
 * arrives. Hand-written because the model is a few flat arrays (the forest's heap-ordered trees,
 * the scaler's and baseline's medians and spreads) that Java serialization would tie to class
 * internals and that no library format describes; the format is ours and versioned.
 *
 * <p>Format, big-endian ({@link DataOutputStream}): magic {@code MADMODEL}, format version (int),
 * host (UTF), settings fingerprint (UTF: the metrics and the forest settings the model depends
 * on), trained-at ms, training samples, score median, score spread, typical z; scaler and baseline
 * (dimension count, then medians and spreads); the forest (its settings, dimensions, training and
 * subsample size, depth, threshold, then per tree its split features, thresholds and leaf path
 * lengths, {@code 2^depth} each); last, the CRC-32 of everything before it. Written to a temporary
 * file, forced to disk, then renamed over the old one, so a crash leaves the old model or the new,
 * never half of one. About 20 bytes per tree node: 0.5 MB for the default 100 trees of 256 samples.
 */
final class ModelFile {
  static final String DIR = "models";
  static final int VERSION = 1;
  private static final byte[] MAGIC = "MADMODEL".getBytes(StandardCharsets.US_ASCII);

  /** Refused: a file that is damaged, of another version, host or settings. */
  static final class Unusable extends Exception {
    Unusable(String why) {
      super(why);
    }
  }

  private ModelFile() {}

  /** The file of a host's model: its name made safe for any file system, plus a hash of the exact name. */
  static Path of(Path logsDir, String host) {
    String safe = host.replaceAll("[^A-Za-z0-9._-]", "_");
    if (safe.length() > 60) {
      safe = safe.substring(0, 60);
    }
    return logsDir.resolve(DIR).resolve(safe + "-" + hash(host).substring(0, 12) + ".model");
  }

  /** What the model depends on besides its data: the metrics and the forest's settings. */
  static String fingerprint(List<String> metrics, IsolationForestParams p) {
    return String.join(",", metrics)
        + String.format(
            Locale.ROOT,
            ";trees=%d;max_samples=%d;contamination=%s;seed=%d",
            p.nEstimators(),
            p.maxSamples(),
            Double.toString(p.contamination()),
            p.randomSeed());
  }

  static void write(Path file, String host, String fingerprint, DetectorModel m)
      throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream raw =
            Files.newOutputStream(
                tmp,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        CheckedOutputStream checked =
            new CheckedOutputStream(new BufferedOutputStream(raw), new CRC32());
        DataOutputStream out = new DataOutputStream(checked)) {
      out.write(MAGIC);
      out.writeInt(VERSION);
      out.writeUTF(host);
      out.writeUTF(fingerprint);
      out.writeLong(m.trainedAtMs());
      out.writeInt(m.trainingSamples());
      out.writeDouble(m.scoreMedian());
      out.writeDouble(m.scoreSpread());
      out.writeDouble(m.typicalZ());
      writePairs(out, m.scaler().medians(), m.scaler().scales());
      writePairs(out, m.baseline().medians(), m.baseline().spreads());
      IsolationForest f = m.forest();
      IsolationForestParams p = f.params();
      out.writeInt(p.nEstimators());
      out.writeInt(p.maxSamples());
      out.writeDouble(p.contamination());
      out.writeLong(p.randomSeed());
      out.writeInt(f.dimensions());
      out.writeInt(f.trainingSize());
      out.writeInt(f.subsampleSize());
      out.writeInt(f.depth());
      out.writeDouble(f.threshold());
      for (int t = 0; t < p.nEstimators(); t++) {
        for (int v : f.splitFeatures()[t]) {
          out.writeInt(v);
        }
        for (double v : f.splitThresholds()[t]) {
          out.writeDouble(v);
        }
        for (double v : f.leafPathLengths()[t]) {
          out.writeDouble(v);
        }
      }
      out.flush();
      // the checksum itself is not part of what it sums
      new DataOutputStream(raw).writeLong(checked.getChecksum().getValue());
      raw.flush();
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Reads the model, checking its checksum, version, host and settings.
   *
   * @throws Unusable saying why it cannot be used
   */
  static DetectorModel read(Path file, String host, String fingerprint)
      throws IOException, Unusable {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length < MAGIC.length + 12) {
      throw new Unusable("too short to be a model (" + bytes.length + " bytes)");
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 8);
    long stored =
        new DataInputStream(new ByteArrayInputStream(bytes, bytes.length - 8, 8)).readLong();
    if (stored != crc.getValue()) {
      throw new Unusable("its checksum does not match (damaged or cut short)");
    }
    try (DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 8))) {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new Unusable("it is not a model file");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new Unusable("it is format version " + version + ", this server reads " + VERSION);
      }
      String savedHost = in.readUTF();
      if (!savedHost.equals(host)) {
        throw new Unusable("it is the model of host '" + savedHost + "'");
      }
      String savedPrint = in.readUTF();
      if (!savedPrint.equals(fingerprint)) {
        throw new Unusable(
            "it was trained with other settings (" + savedPrint + "; now " + fingerprint + ")");
      }
      long trainedAt = in.readLong();
      int samples = in.readInt();
      double median = in.readDouble();
      double spread = in.readDouble();
      double typicalZ = in.readDouble();
      double[][] scaler = readPairs(in);
      double[][] baseline = readPairs(in);
      IsolationForestParams p =
          new IsolationForestParams(in.readInt(), in.readInt(), in.readDouble(), in.readLong());
      int dims = in.readInt();
      int trainingSize = in.readInt();
      int subsample = in.readInt();
      int depth = in.readInt();
      double threshold = in.readDouble();
      if (depth < 1 || depth > 24 || p.nEstimators() > 100_000) {
        throw new Unusable("its forest has an implausible shape");
      }
      int nodes = 1 << depth;
      int[][] features = new int[p.nEstimators()][nodes];
      double[][] thresholds = new double[p.nEstimators()][nodes];
      double[][] leaves = new double[p.nEstimators()][nodes];
      for (int t = 0; t < p.nEstimators(); t++) {
        for (int i = 0; i < nodes; i++) {
          features[t][i] = in.readInt();
        }
        for (int i = 0; i < nodes; i++) {
          thresholds[t][i] = in.readDouble();
        }
        for (int i = 0; i < nodes; i++) {
          leaves[t][i] = in.readDouble();
        }
      }
      if (in.available() != 0) {
        throw new Unusable("it has " + in.available() + " bytes too many");
      }
      if (scaler[0].length != dims || baseline[0].length != dims) {
        throw new Unusable("its parts disagree on the number of metrics");
      }
      IsolationForest forest =
          IsolationForest.restore(
              p, dims, trainingSize, subsample, depth, features, thresholds, leaves, threshold);
      return new DetectorModel(
          forest,
          RobustScaler.restore(scaler[0], scaler[1]),
          RobustBaseline.restore(baseline[0], baseline[1]),
          trainedAt,
          samples,
          median,
          spread,
          typicalZ);
    } catch (EOFException e) {
      throw new Unusable("it ends too early");
    } catch (IllegalArgumentException e) {
      throw new Unusable("its content is inconsistent: " + e.getMessage());
    }
  }

  /** Moves an unusable file aside, so it can be looked at and a new model is written in its place. */
  static Path setAside(Path file) throws IOException {
    Path aside =
        file.resolveSibling(
            file.getFileName().toString().replace(".model", "")
                + ".unusable-"
                + System.currentTimeMillis()
                + ".model");
    Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
    return aside;
  }

  private static void writePairs(DataOutputStream out, double[] a, double[] b) throws IOException {
    out.writeInt(a.length);
    for (double v : a) {
      out.writeDouble(v);
    }
    for (double v : b) {
      out.writeDouble(v);
    }
  }

  private static double[][] readPairs(DataInputStream in) throws IOException, Unusable {
    int n = in.readInt();
    if (n < 1 || n > 10_000) {
      throw new Unusable("it names " + n + " metrics");
    }
    double[][] out = new double[2][n];
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < n; i++) {
        out[k][i] = in.readDouble();
      }
    }
    return out;
  }

  private static String hash(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
