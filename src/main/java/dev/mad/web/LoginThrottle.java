package dev.mad.web;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows token guessing down: a client (by remote address) that gave a wrong token
 * {@link #MAX_FAILURES} times within {@link #WINDOW_MS} is refused until the window has passed.
 * Remembers {@link #MAX_CLIENTS} clients at most, the least recently seen forgotten first. Used on
 * the web verticle's event loop only.
 */
final class LoginThrottle {
  static final int MAX_FAILURES = 10;
  static final long WINDOW_MS = 60_000;
  static final int MAX_CLIENTS = 1024;

  /** Per client: failures in the current window, and when the window began. */
  private final Map<String, long[]> clients =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
          return size() > MAX_CLIENTS;
        }
      };

  /** Milliseconds until {@code client} may try again; 0 when it may now. */
  long waitMs(String client, long now) {
    long[] c = clients.get(client);
    if (c == null || now - c[1] >= WINDOW_MS) {
      return 0;
    }
    return c[0] >= MAX_FAILURES ? WINDOW_MS - (now - c[1]) : 0;
  }

  void failed(String client, long now) {
    long[] c = clients.get(client);
    if (c == null || now - c[1] >= WINDOW_MS) {
      clients.put(client, new long[] {1, now});
    } else {
      c[0]++;
    }
  }
}
