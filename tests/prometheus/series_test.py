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
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from lab_daemon import Checks, LabDaemon  # noqa: E402

stackdr, src = sys.argv[1], sys.argv[2]
check = Checks()
daemon = LabDaemon(stackdr, "--interval", "2", stderr_to=subprocess.DEVNULL)
try:
    base = daemon.base
    daemon.inject("session-logout")
    time.sleep(3)
    page = urllib.request.urlopen(base + "/metrics").read().decode()
    families = set(re.findall(r"^# TYPE (\S+) ", page, re.M))
    promtool = subprocess.run(["promtool", "check", "metrics"], input=page, text=True, capture_output=True)
    check(promtool.returncode == 0, "promtool check metrics " + promtool.stdout + promtool.stderr)
    rules = open(os.path.join(src, "packaging/prometheus/stackdr-rules.yml")).read()
    board = json.load(open(os.path.join(src, "packaging/grafana/stackdr.json")))
    exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    for p in board["panels"]:
        check(bool(p.get("targets")), f"panel {p['title']!r} has a query")
    used = set(re.findall(r"\bstackdr_[a-z0-9_]+", rules + "\n".join(exprs)))
    histograms = set(re.findall(r"^# TYPE (\S+) histogram", page, re.M))
    for name in sorted(used):
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        check(name in families or base in histograms, f"{name} is on /metrics")
    print(f"{len(used)} series named by {len(board['panels'])} panels and the rules; /metrics has {len(families)} families")
finally:
    daemon.stop()
sys.exit(check.exit_code())
