package dev.mad;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OperationsTest {
  @Test
  @DisplayName(
      "the server's JVM is set to collect when idle and keep at most 30 % of its heap free, so a"
          + " burst's memory goes back to the OS")
  void heapIsReturned() {
    Operations.returnIdleHeap();
    HotSpotDiagnosticMXBean hotspot =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    assertThat(hotspot.getVMOption("G1PeriodicGCInterval").getValue())
        .isEqualTo(Operations.PERIODIC_GC_MS);
    assertThat(hotspot.getVMOption("MaxHeapFreeRatio").getValue()).isEqualTo("30");
    assertThat(hotspot.getVMOption("MinHeapFreeRatio").getValue()).isEqualTo("10");
  }
}
