#!/usr/bin/python3
"""stackdr watch while clients misbehave: 200 slow clients (a header line every 2 s), 2,000
idle connections and a stream of hostile requests (huge headers, climbing paths, bad methods,
bytes that are not HTTP) held against `watch --lab --interval 1` on loopback. /metrics must keep
answering and the sweeps keep their interval; the figures (slowest scrape, sweeps counted) are
printed, not asserted on time beyond "answered within the client's 5 s".

Usage: daemon_under_load.py STACKDR_BINARY. Exit 0 when every check held."""
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from lab_daemon import Checks, LabDaemon  # noqa: E402

stackdr = sys.argv[1]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 16384), hard))
room = min(hard, 16384)
SLOW, IDLE = 200, 2000 if room > 2600 else max(100, room - 600)
check = Checks()


def request(port, raw, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(raw)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data
    except OSError:
        return b""
    finally:
        s.close()


def scrape(port):
    t0 = time.time()
    r = request(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    m = re.search(rb"^stackdr_watch_sweeps_total (\d+)", r, re.M)
    return time.time() - t0, r.startswith(b"HTTP/1.1 200"), int(m.group(1)) if m else None


daemon = LabDaemon(stackdr, "--interval", "1", stderr_to=subprocess.DEVNULL)
held = []
try:
    port = daemon.port
    _, ok, before = scrape(port)
    check(ok and before is not None, "a scrape before the load")
    for i in range(SLOW):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /metrics HTTP/1.1\r\n")
        held.append(s)
    for i in range(IDLE):
        held.append(socket.create_connection(("127.0.0.1", port)))
    print(f"     holding {SLOW} slow clients and {IDLE} idle connections", flush=True)
    stop = threading.Event()

    def drip():
        n = 0
        while not stop.is_set():
            for s in held[:SLOW]:
                try:
                    s.sendall(b"X-Slow-%d: 1\r\n" % n)
                except OSError:
                    pass
            n += 1
            stop.wait(2)

    hostile = [b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"a" * 70000 + b"\r\n\r\n",
               b"GET /../../etc/shadow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
               b"DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
               b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
               b"POST /lab/faults?name=nope HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"b" * 100000]
    answered = []

    def attack():
        while not stop.is_set():
            for raw in hostile:
                answered.append(request(port, raw, timeout=3))

    threads = [threading.Thread(target=drip), threading.Thread(target=attack)]
    for t in threads:
        t.start()
    t_start = time.time()
    slowest, ok_all = 0.0, True
    while time.time() - t_start < 10:
        took, ok, _ = scrape(port)
        slowest = max(slowest, took)
        ok_all = ok_all and ok
        time.sleep(0.5)
    _, ok, after = scrape(port)
    elapsed = time.time() - t_start
    stop.set()
    for t in threads:
        t.join()
    check(ok_all, "every scrape during the load was answered (200)")
    check(after is not None and after - before >= elapsed / 2,
          f"the sweeps went on: {after - before if after else 0} in {elapsed:.1f} s at an interval of 1 s")
    print(f"     slowest scrape {slowest:.3f} s; {len(answered)} hostile requests sent, "
          f"{sum(1 for a in answered if a.startswith(b'HTTP/1.1 4'))} answered 4xx, the rest closed", flush=True)
    check(daemon.proc.poll() is None, "the daemon is still running")
finally:
    for s in held:
        s.close()
    check(daemon.stop(), "the daemon stops on SIGTERM within 30 s")
sys.exit(check.exit_code())
