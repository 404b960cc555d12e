package dev.mad.persist;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a small file whole: the text goes to a temp file beside it, to disk, and is renamed
 * over the old one, so readers and crashes only ever see the old or the new file, never part of
 * one. Blocking; for persist's worker.
 */
final class WholeFile {
  private WholeFile() {}

  static void replace(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try (var channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
    } catch (IOException e) {
      // a full disk: the part written would only hold space; the old file is still whole
      Files.deleteIfExists(tmp);
      throw e;
    }
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
