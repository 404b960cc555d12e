package dev.mad.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * An exclusive OS lock on the logs directory, so that two servers never interleave their rows in
 * the same files. The OS releases it when the process dies, even after {@code kill -9}. A lock
 * whose file was deleted (the whole directory removed while the server ran) no longer keeps a
 * second server out; {@link #intact()} tells, so the holder can take a new one.
 */
public final class LogsDirLock implements AutoCloseable {
  private static final String FILE = ".server.lock";

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final Object fileKey;

  private LogsDirLock(Path file, FileChannel channel, FileLock lock) throws IOException {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.fileKey = key(file);
  }

  private static Object key(Path file) throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        .fileKey();
  }

  /**
   * True while the locked file is still the one named {@code .server.lock} in the directory: false
   * once it (or the directory) was deleted or replaced, when the lock protects nothing.
   */
  public boolean intact() {
    try {
      Object now = key(file);
      return fileKey == null ? Files.exists(file) : fileKey.equals(now);
    } catch (IOException e) {
      return false;
    }
  }

  public static LogsDirLock acquire(Path logsDir) throws IOException {
    Files.createDirectories(logsDir);
    Path file = logsDir.resolve(FILE);
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
    try {
      return new LogsDirLock(file, channel, lock);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
