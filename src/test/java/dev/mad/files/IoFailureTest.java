package dev.mad.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoFailureTest {
  @Test
  @DisplayName("names the cause beside the path, where Java's message is the path alone")
  void namesTheCause() {
    assertThat(new AccessDeniedException("/srv/logs").getMessage()).isEqualTo("/srv/logs");
    assertThat(IoFailure.describe(new AccessDeniedException("/srv/logs")))
        .isEqualTo("/srv/logs: permission denied");
    assertThat(
            IoFailure.describe(
                new FileSystemException("/srv/logs/.server.lock", null, "Read-only file system")))
        .isEqualTo("/srv/logs/.server.lock: Read-only file system");
    // found among the causes: Vert.x and the start-up wrap what the file system said
    assertThat(
            IoFailure.describe(
                new IllegalStateException(
                    "deploy failed", new UncheckedIOException(new AccessDeniedException("/d")))))
        .isEqualTo("/d: permission denied");
    assertThat(IoFailure.describe(new IllegalStateException("port taken"))).isEqualTo("port taken");
  }

  @Test
  @DisplayName("tells a full disk (ENOSPC) from other failures, also when wrapped")
  void diskFull() {
    assertThat(IoFailure.diskFull(new IOException("No space left on device"))).isTrue();
    assertThat(IoFailure.diskFull(new RuntimeException(new IOException("No space left on device"))))
        .isTrue();
    assertThat(IoFailure.diskFull(new FileSystemException("/x", null, "Disk quota exceeded")))
        .isTrue();
    assertThat(IoFailure.diskFull(new IOException("Broken pipe"))).isFalse();
  }

  @Test
  @DisplayName("checkWritable passes in a writable directory, leaving nothing, and fails in /sys")
  void checkWritable(@TempDir Path dir) throws Exception {
    IoFailure.checkWritable(dir);
    try (var files = java.nio.file.Files.list(dir)) {
      assertThat(files).isEmpty();
    }
    // sysfs takes no new files, not even from root
    assertThatThrownBy(() -> IoFailure.checkWritable(Path.of("/sys")))
        .isInstanceOf(IOException.class);
  }
}
