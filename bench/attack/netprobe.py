#!/usr/bin/env python3
"""Raw-socket probes for bench/attack.sh, things curl cannot do. Loopback only.

  netprobe.py noboundary PORT N MAX_S   N multipart uploads that never send the closing boundary,
                                        then go idle; how long until the server answers or closes
  netprobe.py slowloris PORT N EVERY_S MAX_S
                                        N requests whose headers arrive one byte every EVERY_S
                                        seconds; how long until the server closes each
  netprobe.py ws PORT ORIGIN [HOST]     WebSocket handshake on /eventbus/websocket; prints the
                                        HTTP status of the answer (101 = accepted)
  netprobe.py logins PORT N             N POST /login with a wrong token on keep-alive
                                        connections; counts the answers by status and says at which
                                        try the first 429 came

Each prints one line of JSON on stdout.
"""
import base64
import json
import os
import selectors
import socket
import sys
import time

HOST = "127.0.0.1"


def connect(port):
    s = socket.create_connection((HOST, port), timeout=5)
    s.setblocking(False)
    return s


def watch(socks, max_s, tick=None):
    """Waits until every socket is answered or closed by the server, or max_s passes.

    tick(i, sock) is called about once a second per open socket (to send more bytes); returns per
    socket: seconds until answered/closed (None if still open), and the first line it received."""
    start = time.monotonic()
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ, i)
    ended = [None] * len(socks)
    first = [""] * len(socks)
    last_tick = start
    while sel.get_map() and time.monotonic() - start < max_s:
        for key, _ in sel.select(timeout=0.2):
            i = key.data
            try:
                data = key.fileobj.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            except BlockingIOError:
                continue
            if data and not first[i]:
                first[i] = data.split(b"\r\n", 1)[0].decode("latin-1")[:80]
            if not data or first[i]:
                # answered (a status line) or closed: either ends the wait for this one
                ended[i] = round(time.monotonic() - start, 1)
                sel.unregister(key.fileobj)
        now = time.monotonic()
        if tick and now - last_tick >= 0.5:
            last_tick = now
            for key in list(sel.get_map().values()):
                try:
                    tick(key.data, key.fileobj, now - start)
                except (BrokenPipeError, ConnectionResetError):
                    ended[key.data] = round(now - start, 1)
                    sel.unregister(key.fileobj)
    for s in socks:
        s.close()
    return ended, first


def noboundary(port, n, max_s):
    socks = []
    for i in range(n):
        s = connect(port)
        boundary = "attackboundary%d" % i
        part = (
            "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stalled%d.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\ntimestamp,cpu_percent\n" % (boundary, i)
        ).encode() + b"2024-01-01 00:00:00,1.5\n" * 400
        head = (
            "POST /api/upload-csv HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n"
            % (port, boundary, len(part) + 1_000_000)
        ).encode()
        s.setblocking(True)
        s.sendall(head + part)  # ... and never the rest, nor the closing boundary
        s.setblocking(False)
        socks.append(s)
    ended, first = watch(socks, max_s)
    print(json.dumps({"ended_s": ended, "first_line": first}))


def slowloris(port, n, every_s, max_s):
    socks = [connect(port) for _ in range(n)]
    trickle = "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port + "X-Slow: " + "a" * 10000
    sent = [0] * n
    last = [0.0] * n

    def tick(i, s, elapsed):
        if elapsed - last[i] >= every_s or sent[i] == 0:
            s.send(trickle[sent[i]].encode())
            sent[i] += 1
            last[i] = elapsed

    ended, first = watch(socks, max_s, tick)
    print(json.dumps({"ended_s": ended, "first_line": first, "bytes_sent": sent}))


def ws(port, origin, host=None):
    s = socket.create_connection((HOST, port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    req = (
        "GET /eventbus/websocket HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: %s\r\n\r\n"
        % (host or "127.0.0.1:%d" % port, key, origin)
    )
    s.sendall(req.encode())
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    status = parts[1] if len(parts) > 1 else "none"
    print(json.dumps({"status": status, "line": line}))


def logins(port, n):
    import http.client

    counts = {}
    first_429 = None
    conn = None
    start = time.monotonic()
    for i in range(1, n + 1):
        for attempt in (1, 2):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(HOST, port, timeout=10)
                conn.request(
                    "POST",
                    "/login",
                    body="token=wrong-guess-%06d" % i,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                break
            except (OSError, http.client.HTTPException):
                conn = None
                status = "error"
        counts[str(status)] = counts.get(str(status), 0) + 1
        if status == 429 and first_429 is None:
            first_429 = i
    elapsed = round(time.monotonic() - start, 2)
    print(json.dumps({"counts": counts, "first_429": first_429, "seconds": elapsed}))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "noboundary":
        noboundary(int(args[0]), int(args[1]), float(args[2]))
    elif cmd == "slowloris":
        slowloris(int(args[0]), int(args[1]), float(args[2]), float(args[3]))
    elif cmd == "logins":
        logins(int(args[0]), int(args[1]))
    elif cmd == "ws":
        ws(int(args[0]), args[1], args[2] if len(args) > 2 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
