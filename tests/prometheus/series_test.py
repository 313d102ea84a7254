#!/usr/bin/python3
"""Every series the shipped alert rules and Grafana board query exists on a live /metrics:
`stackdr watch --lab` on loopback, a fault injected so the failure series are there too, then
each stackdr_* name in packaging/prometheus/stackdr-rules.yml and packaging/grafana/stackdr.json
looked up among the page's families (# TYPE lines). Also: the board is valid JSON with a query
in every panel, and promtool checks the page.

Usage: series_test.py STACKDR_BINARY SOURCE_DIR. Exit 0 when every name exists."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

stackdr, src = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="stackdr-series-")
daemon = subprocess.Popen([stackdr, "watch", "--lab", "--state-dir", os.path.join(work, "state"), "--listen",
                           "127.0.0.1:0", "--interval", "2"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
failures = []
try:
    port = next(int(l.split()[-1]) for l in daemon.stdout if l.startswith("listening on port "))
    base = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(urllib.request.Request(base + "/lab/faults?name=session-logout", data=b"", method="POST"))
    time.sleep(3)
    page = urllib.request.urlopen(base + "/metrics").read().decode()
    families = set(re.findall(r"^# TYPE (\S+) ", page, re.M))
    check = subprocess.run(["promtool", "check", "metrics"], input=page, text=True, capture_output=True)
    if check.returncode != 0:
        failures.append("promtool check metrics: " + check.stdout + check.stderr)
    rules = open(os.path.join(src, "packaging/prometheus/stackdr-rules.yml")).read()
    board = json.load(open(os.path.join(src, "packaging/grafana/stackdr.json")))
    exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    for p in board["panels"]:
        if not p.get("targets"):
            failures.append(f"panel {p['title']!r} has no query")
    used = set(re.findall(r"\bstackdr_[a-z0-9_]+", rules + "\n".join(exprs)))
    histograms = set(re.findall(r"^# TYPE (\S+) histogram", page, re.M))
    for name in sorted(used):
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        ok = name in families or base in histograms
        print(("ok   " if ok else "FAIL ") + name)
        if not ok:
            failures.append(f"{name} is queried but /metrics has no such family")
    print(f"{len(used)} series named by {len(board['panels'])} panels and the rules; /metrics has {len(families)} families")
finally:
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(30)
    shutil.rmtree(work, ignore_errors=True)
for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
