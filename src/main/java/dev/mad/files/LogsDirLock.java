package dev.mad.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS lock on the logs directory, so that two servers never interleave their rows in
 * the same files. The OS releases it when the process dies, even after {@code kill -9}.
 */
public final class LogsDirLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private LogsDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  public static LogsDirLock acquire(Path logsDir) throws IOException {
    Files.createDirectories(logsDir);
    Path file = logsDir.resolve(".server.lock");
    FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new IOException(
          "another server is already writing to "
              + logsDir.toAbsolutePath()
              + "; stop it or set a different logs_dir");
    }
    return new LogsDirLock(channel, lock);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
