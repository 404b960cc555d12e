#!/usr/bin/env python3
"""Sample-to-bridge latency of a hub, as a browser sees it (bench/fleet.sh).

  latency.py PORT SECONDS HOST [HOST...]

Opens the bridge's plain WebSocket (/eventbus/websocket, standard library only), registers for
dashboard.host.HOST of each host, and for SECONDS measures, for every sample that arrives, the time
from the sample's timestamp (taken by the agent) to its arrival here. Prints one line:
  samples N p50_ms X p99_ms Y max_ms Z
Loopback only; the hub and the agents run on this machine, so their clocks are this one.
"""
import base64
import json
import os
import socket
import struct
import sys
import time


def frame(text):
    data = text.encode()
    mask = os.urandom(4)
    head = bytes([0x81])
    n = len(data)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def read_exact(sock, n, buf):
    while len(buf) < n:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("bridge closed the connection")
        buf.extend(chunk)
    out = bytes(buf[:n])
    del buf[:n]
    return out


def read_frame(sock, buf):
    b0, b1 = read_exact(sock, 2, buf)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack(">H", read_exact(sock, 2, buf))[0]
    elif n == 127:
        n = struct.unpack(">Q", read_exact(sock, 8, buf))[0]
    return b0 & 0x0F, read_exact(sock, n, buf)


def main(argv):
    port, seconds, hosts = int(argv[1]), float(argv[2]), argv[3:]
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((
        "GET /eventbus/websocket HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
        % (port, key)).encode())
    buf = bytearray()
    while b"\r\n\r\n" not in buf:
        buf.extend(sock.recv(4096))
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n")[0]:
        print("handshake refused: " + head.split(b"\r\n")[0].decode())
        return 1
    buf = bytearray(rest)
    for h in hosts:
        sock.sendall(frame(json.dumps({"type": "register", "address": "dashboard.host." + h})))
    lat = []
    end = time.time() + seconds
    last_ping = time.time()
    sock.settimeout(1)
    while time.time() < end:
        if time.time() - last_ping > 10:
            sock.sendall(frame(json.dumps({"type": "ping"})))
            last_ping = time.time()
        try:
            op, payload = read_frame(sock, buf)
        except socket.timeout:
            continue
        if op not in (1, 2):
            continue
        msg = json.loads(payload.decode())
        body = msg.get("body") if isinstance(msg, dict) else None
        if isinstance(body, dict) and "timestamp" in body:
            lat.append(time.time() * 1000 - body["timestamp"])
    if not lat:
        print("samples 0")
        return 1
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print("samples %d p50_ms %.0f p99_ms %.0f max_ms %.0f" % (len(lat), q(0.5), q(0.99), lat[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
