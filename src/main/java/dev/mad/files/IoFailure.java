package dev.mad.files;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Says in words why a file operation failed. Java's {@link FileSystemException}s often carry only
 * the path as their message ({@code AccessDeniedException: logs}), which told a user of a read-only
 * or full disk nothing; this names the cause ("Read-only file system", "No space left on device",
 * "permission denied") beside the path.
 */
public final class IoFailure {
  private IoFailure() {}

  /**
   * "PATH: reason" for a file system error (found among the causes too), else the exception's own
   * message.
   */
  public static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof FileSystemException f && f.getFile() != null) {
        return f.getFile() + ": " + reason(t);
      }
    }
    return reason(e);
  }

  /**
   * Fails unless a file can be created in {@code dir} (it creates and deletes one), so that a
   * read-only or full directory is found before work whose result would go there is done.
   */
  public static void checkWritable(Path dir) throws IOException {
    Path probe = Files.createTempFile(dir, ".write-check-", ".tmp");
    Files.delete(probe);
  }

  /** The cause alone: "No space left on device", "Read-only file system", "permission denied"... */
  public static String reason(Throwable e) {
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException) {
      return "does not exist";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof FileSystemLoopException) {
      return "symbolic link loop";
    }
    if (e instanceof FileSystemException f) {
      return f.getClass().getSimpleName();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** True when the disk (or the user's quota) is full: ENOSPC or EDQUOT. */
  public static boolean diskFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t instanceof FileSystemException f ? f.getReason() : t.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("quota exceeded"))) {
        return true;
      }
    }
    return false;
  }
}
