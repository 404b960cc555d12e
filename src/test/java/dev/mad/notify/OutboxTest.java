package dev.mad.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("notifications.db");
  }

  private static Outbox.Draft draft(String receiver, String event, String incident) {
    return new Outbox.Draft(receiver, event + "-" + incident, incident, event, "{}");
  }

  @Test
  @DisplayName(
      "notifications come out per receiver in the order they went in, and survive a reopen")
  void orderAndRestart() throws Exception {
    try (Outbox box = Outbox.open(file(), 100)) {
      box.add(List.of(draft("a", "opened", "h/1"), draft("b", "opened", "h/1")), 1000);
      box.add(List.of(draft("a", "closed", "h/1"), draft("b", "closed", "h/1")), 2000);
      box.add(List.of(draft("a", "opened", "h/2")), 3000);
      assertThat(box.pending("a")).isEqualTo(3);
      assertThat(box.pending("b")).isEqualTo(2);
      Outbox.Entry head = box.head("a");
      assertThat(head.eventId()).isEqualTo("opened-h/1");
      box.delivered(head.seq());
    }
    try (Outbox box = Outbox.open(file(), 100)) {
      List<String> a = drain(box, "a");
      assertThat(a).containsExactly("closed-h/1", "opened-h/2");
      assertThat(drain(box, "b")).containsExactly("opened-h/1", "closed-h/1");
      assertThat(box.pending("a")).isZero();
    }
  }

  @Test
  @DisplayName(
      "a failed attempt is counted with its error and its next time, and stays at the head")
  void retryBookkeeping() throws Exception {
    try (Outbox box = Outbox.open(file(), 100)) {
      box.add(List.of(draft("a", "opened", "h/1"), draft("a", "closed", "h/1")), 1000);
      Outbox.Entry first = box.head("a");
      box.failed(first.seq(), "HTTP 503", 5000);
      box.failed(first.seq(), "ConnectException: refused", 9000);
      Outbox.Entry again = box.head("a");
      assertThat(again.seq()).isEqualTo(first.seq());
      assertThat(again.attempts()).isEqualTo(2);
      assertThat(again.nextMs()).isEqualTo(9000);
      assertThat(again.lastError()).isEqualTo("ConnectException: refused");
      assertThat(again.createdMs()).isEqualTo(1000);
      box.drop(again.seq());
      assertThat(box.head("a").eventId()).isEqualTo("closed-h/1");
    }
  }

  @Test
  @DisplayName(
      "beyond the limit the oldest of that receiver are dropped and returned; others untouched")
  void limit() throws Exception {
    try (Outbox box = Outbox.open(file(), 3)) {
      box.add(List.of(draft("b", "opened", "h/0")), 0);
      for (int i = 1; i <= 3; i++) {
        assertThat(box.add(List.of(draft("a", "opened", "h/" + i)), i)).isEmpty();
      }
      List<Outbox.Entry> dropped =
          box.add(List.of(draft("a", "opened", "h/4"), draft("a", "opened", "h/5")), 5);
      assertThat(dropped)
          .extracting(Outbox.Entry::eventId)
          .containsExactly("opened-h/1", "opened-h/2");
      assertThat(drain(box, "a")).containsExactly("opened-h/3", "opened-h/4", "opened-h/5");
      assertThat(box.pending("b")).isEqualTo(1);
      assertThat(box.forgetOthers(List.of("a"))).isEqualTo(1);
      assertThat(box.pending("b")).isZero();
    }
  }

  private static List<String> drain(Outbox box, String receiver) throws Exception {
    List<String> out = new ArrayList<>();
    for (Outbox.Entry e = box.head(receiver); e != null; e = box.head(receiver)) {
      out.add(e.eventId());
      box.delivered(e.seq());
    }
    return out;
  }
}
