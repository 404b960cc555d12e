package dev.mad.collect;

import dev.mad.bus.MetricSample;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;

/**
 * Reads the host through OSHI and turns its cumulative counters into per-second rates. Blocking:
 * call it from a worker thread only. Not thread-safe; owned by {@link CollectVerticle}.
 */
final class HostSampler {
  private static final double MIB = 1024.0 * 1024.0;
  private static final double GIB = MIB * 1024.0;

  /** Interfaces appear and disappear (VPNs, containers); look them up again now and then. */
  private static final long INTERFACE_REFRESH_NANOS = 60_000_000_000L;

  private final String host;
  private final CentralProcessor processor;
  private final GlobalMemory memory;
  private final HardwareAbstractionLayer hal;

  private long[] previousTicks;
  private long previousNanos;
  private final Map<String, Long> previousCounters = new HashMap<>();
  private List<NetworkIF> interfaces;
  private List<HWDiskStore> disks;
  private long disksReadNanos;
  private long interfacesReadNanos;

  HostSampler(String host) {
    SystemInfo si = new SystemInfo();
    this.hal = si.getHardware();
    this.processor = hal.getProcessor();
    this.memory = hal.getMemory();
    this.host = host;
  }

  static String osHostName() {
    try {
      String name = new SystemInfo().getOperatingSystem().getNetworkParams().getHostName();
      if (name != null && !name.isBlank()) {
        return name;
      }
    } catch (RuntimeException e) {
      // fall back to the JDK below
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  /**
   * Takes one reading. The first call only primes the counters (it would otherwise report the
   * averages since boot) and returns null.
   */
  MetricSample sample(long timestampMs) {
    long now = System.nanoTime();
    long[] ticks = processor.getSystemCpuLoadTicks();
    Map<String, Long> counters = readCounters(now);
    boolean primed = previousTicks != null;
    double elapsedSeconds = (now - previousNanos) / 1e9;

    MetricSample result = null;
    if (primed && elapsedSeconds > 0) {
      double[] v = new double[MetricSample.METRICS.size()];
      v[0] = clampPercent(cpuBusy(previousTicks, ticks));
      v[1] = frequencyMhz();
      long total = memory.getTotal();
      long available = memory.getAvailable();
      v[2] = total > 0 ? clampPercent(100.0 * (total - available) / total) : 0.0;
      v[3] = available / GIB;
      v[4] = rate(counters, "disk.read", elapsedSeconds);
      v[5] = rate(counters, "disk.write", elapsedSeconds);
      v[6] = rate(counters, "net.sent", elapsedSeconds);
      v[7] = rate(counters, "net.recv", elapsedSeconds);
      result = new MetricSample(timestampMs, host, v);
    }
    previousTicks = ticks;
    previousNanos = now;
    previousCounters.clear();
    previousCounters.putAll(counters);
    return result;
  }

  /** Busy share of the ticks between two readings; iowait and idle count as not busy. */
  static double cpuBusy(long[] before, long[] after) {
    long total = 0;
    long idle = 0;
    for (int i = 0; i < after.length; i++) {
      long d = Math.max(0, after[i] - before[i]);
      total += d;
      if (i == CentralProcessor.TickType.IDLE.getIndex()
          || i == CentralProcessor.TickType.IOWAIT.getIndex()) {
        idle += d;
      }
    }
    return total == 0 ? 0.0 : 100.0 * (total - idle) / total;
  }

  private double frequencyMhz() {
    long[] freqs = processor.getCurrentFreq();
    double sum = 0;
    int n = 0;
    for (long f : freqs) {
      if (f > 0) {
        sum += f;
        n++;
      }
    }
    if (n == 0) {
      long max = processor.getMaxFreq();
      return max > 0 ? max / 1e6 : 0.0;
    }
    return sum / n / 1e6;
  }

  /**
   * Per-device cumulative byte counters, keyed {@code disk.read:sda} etc. Rates are computed per
   * device so a device that appears, disappears or resets its counter cannot produce a spike or a
   * negative rate.
   */
  private Map<String, Long> readCounters(long now) {
    Map<String, Long> counters = new HashMap<>();
    // Listing the disks walks udev and sysfs; the list is taken again as seldom as the interfaces',
    // and in between only the counters are read, from /proc/diskstats where there is one.
    boolean listed = false;
    if (disks == null || now - disksReadNanos > INTERFACE_REFRESH_NANOS) {
      disks = hal.getDiskStores();
      disksReadNanos = now;
      listed = true;
    }
    Map<String, long[]> proc = listed ? null : ProcDiskStats.read();
    for (HWDiskStore disk : disks) {
      long[] rw = proc == null ? null : proc.get(ProcDiskStats.procName(disk.getName()));
      if (rw == null && !listed) {
        disk.updateAttributes();
      }
      counters.put("disk.read:" + disk.getName(), rw != null ? rw[0] : disk.getReadBytes());
      counters.put("disk.write:" + disk.getName(), rw != null ? rw[1] : disk.getWriteBytes());
    }
    if (interfaces == null || now - interfacesReadNanos > INTERFACE_REFRESH_NANOS) {
      interfaces = hal.getNetworkIFs(false).stream().filter(HostSampler::isExternal).toList();
      interfacesReadNanos = now;
    } else {
      interfaces.forEach(NetworkIF::updateAttributes);
    }
    for (NetworkIF nif : interfaces) {
      counters.put("net.sent:" + nif.getName(), nif.getBytesSent());
      counters.put("net.recv:" + nif.getName(), nif.getBytesRecv());
    }
    return counters;
  }

  private static boolean isExternal(NetworkIF nif) {
    try {
      NetworkInterface ni = nif.queryNetworkInterface();
      return ni == null || !ni.isLoopback();
    } catch (SocketException | RuntimeException e) {
      return !nif.getName().equals("lo");
    }
  }

  private double rate(Map<String, Long> counters, String kind, double elapsedSeconds) {
    long bytes = 0;
    String prefix = kind + ":";
    for (Map.Entry<String, Long> e : counters.entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        continue;
      }
      Long before = previousCounters.get(e.getKey());
      if (before != null && e.getValue() >= before) {
        bytes += e.getValue() - before;
      }
    }
    return bytes / MIB / elapsedSeconds;
  }

  private static double clampPercent(double v) {
    return Math.max(0.0, Math.min(100.0, v));
  }
}
