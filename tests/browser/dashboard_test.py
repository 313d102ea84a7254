#!/usr/bin/python3
"""The dashboard in a real browser (Debian's chromium, headless, driven over the DevTools
protocol): `stackdr watch --lab` on loopback, the page loaded, a fault injected through the
lab API, and the rendered DOM checked as it changes without a reload — the failed chain node,
the finding, the incident and its steps, then all of it resolved — and again after a reload
with JavaScript off. Then a daemon over a folder of three stacks: the list, a fault moving its
stack to the top without a reload, and that stack's own dashboard. Screenshots of each view are written to docs/screenshots/ (the README
shows them) and the figures (page weight, first paint, event-to-DOM latency) are printed.

Usage: dashboard_test.py STACKDR_BINARY [SCREENSHOT_DIR]. Exit 0 when every check held.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # Debian: python3-websocket

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from lab_daemon import Checks, LabDaemon, wait_for  # noqa: E402

STACKDR = sys.argv[1]
SHOTS = sys.argv[2] if len(sys.argv) > 2 else None
check = Checks()


class Browser:
    """One headless Chromium and one page of it, over the DevTools protocol."""

    def __init__(self, profile):
        self.proc = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--remote-debugging-port=0",
             "--remote-allow-origins=*", f"--user-data-dir={profile}", "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(profile, "DevToolsActivePort")
        if not wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30):
            raise RuntimeError("chromium did not open its DevTools port")
        port = int(open(port_file).read().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        return r.get("result", {}).get("value")

    def load(self, url):
        self.call("Page.navigate", url=url)
        wait_for(lambda: self.eval("document.readyState") == "complete", 30)

    def screenshot(self, name, width=1280):
        if not SHOTS:
            return
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                  mobile=width < 700)
        h = self.eval("Math.min(document.documentElement.scrollHeight, 4000)") or 900
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=int(h), deviceScaleFactor=1,
                  mobile=width < 700)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(os.path.join(SHOTS, name), "wb") as f:
            f.write(base64.b64decode(data))
        self.call("Emulation.clearDeviceMetricsOverride")
        print(f"     screenshot {name} ({width} px)", flush=True)

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            self.proc.wait(10)


def main():
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
    daemon = LabDaemon(STACKDR, "--interval", "2", "--resolve-after", "0", "--auto-recover", "safe")
    check(daemon.port is not None, "the daemon listens")
    base = daemon.base
    profile = tempfile.mkdtemp(prefix="stackdr-chromium-")
    browser = Browser(profile)
    try:
        t0 = time.time()
        browser.load(base + "/")
        paint = wait_for(lambda: browser.eval(
            "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: 0}).startTime"), 5)
        dom = browser.eval("(() => { const n = performance.getEntriesByType('navigation')[0];"
                           " return n ? n.domContentLoadedEventEnd : -1; })()")
        weight = sum(len(urllib.request.urlopen(base + p).read())
                     for p in ["/", "/assets/dashboard.css", "/assets/dashboard.js"])
        print(f"     page weight {weight} bytes (page, stylesheet, script); first contentful paint "
              f"{paint or -1:.0f} ms; DOM ready {dom:.0f} ms; loaded in {time.time() - t0:.2f} s", flush=True)
        check(browser.eval("document.querySelectorAll('tr.node').length") > 10, "the stack's chains are drawn")
        check(browser.eval("document.querySelectorAll('tr.node[data-health=\"FAILED\"]').length") == 0,
              "healthy: no failed node")
        check(wait_for(lambda: browser.eval("document.querySelector('.live').textContent") == "live", 10)
              is not None, "the page says it is live (its /events stream is open)")
        check(wait_for(lambda: browser.eval(
            "document.querySelector('#maintenance').textContent.includes('lint --fix')"), 30) is not None,
              "the settings check is shown, with the command that applies its fixes")
        browser.screenshot("dashboard-healthy.png")

        # A fault, injected from outside; the page must show it without a reload.
        marker = browser.eval("window.__same_page = Math.random()")
        t_fault = time.time()
        check(daemon.inject("session-logout") == 202, "the fault is injected through the lab API")
        seen = wait_for(lambda: browser.eval(
            "document.querySelector('tr.node[data-health=\"FAILED\"][data-id^=\"session:\"]') !== null"), 30)
        latency = time.time() - t_fault
        check(seen is not None, "the failed session appears in its chain without a reload")
        print(f"     fault to DOM: {latency:.2f} s (the daemon sweeps on the lab's event, then /events, "
              f"then the page fetches its main)", flush=True)
        check(wait_for(lambda: browser.eval(
            "document.querySelector('#findings').textContent.includes('session-down')"), 30) is not None,
              "the finding names its cause")
        check(wait_for(lambda: browser.eval("document.querySelectorAll('tr.incident').length") > 0, 30)
              is not None, "the incident is listed")
        browser.screenshot("dashboard-fault.png")
        check(wait_for(lambda: browser.eval(
            "document.querySelectorAll('#recovery li.step').length") > 0, 60) is not None,
              "the recovery's steps are shown")
        check(wait_for(lambda: browser.eval(
            "document.querySelectorAll('tr.node[data-health=\"FAILED\"], tr.node[data-health=\"DEGRADED\"]')"
            ".length === 0 && document.querySelector('.top .badge').textContent === 'OK'"), 120) is not None,
              "then every node is OK again")
        check(wait_for(lambda: browser.eval(
            "[...document.querySelectorAll('tr.incident')].some(r => r.dataset.state === 'resolved')"), 60)
              is not None, "and the incident resolved")
        check(browser.eval("window.__same_page") == marker, "all of it without a reload")
        browser.screenshot("dashboard-resolved.png")
        browser.screenshot("dashboard-phone.png", width=390)

        # The incident's own page: its timeline and the report downloads.
        browser.load(base + "/incidents/1")
        check(browser.eval("document.querySelectorAll('table.timeline tbody tr').length") > 3,
              "the incident's timeline lists its steps")
        check(browser.eval("document.body.textContent.includes('iscsiadm')"), "with each step's command")
        md = urllib.request.urlopen(base + "/incidents/1/report.md").read().decode()
        check("Timeline" in md or "timeline" in md, "the Markdown report downloads")
        rj = json.load(urllib.request.urlopen(base + "/incidents/1/report.json"))
        check(isinstance(rj, dict) and rj, "the JSON report downloads")
        browser.screenshot("incident.png")

        # JavaScript off: the same page, rendered by the server, after a reload.
        daemon.inject("session-logout")
        time.sleep(3)
        browser.call("Emulation.setScriptExecutionDisabled", value=True)
        browser.load(base + "/")
        has_failed = "tr.node[data-health=\"FAILED\"]"
        shown = wait_for(lambda: (browser.load(base + "/") or True) and browser.eval(
            f"document.querySelector('{has_failed}') !== null"), 20, step=1)
        check(shown is not None, "without JavaScript, a reload shows the failed node")
        check(browser.eval("document.querySelector('.live').textContent") == "", "and the page is not live")
        browser.screenshot("dashboard-no-javascript.png")
        browser.call("Emulation.setScriptExecutionDisabled", value=False)
        stacks_page(browser)
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
        check(daemon.stop(), "the daemon stops on SIGTERM")
    return check.exit_code()


def stacks_page(browser):
    """A daemon over a folder of three stacks: the list, worst first, live; a stack's own page."""
    folder = tempfile.mkdtemp(prefix="stackdr-stacks-")
    example = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config",
                                "stackdr.yaml")).read()
    for name, site in (("alpha", "dc1"), ("beta", "dc2"), ("gamma", "dc1")):
        with open(os.path.join(folder, name + ".yaml"), "w") as f:
            f.write(f"name: {name}\nsite: {site}\n" + example)
    many = LabDaemon(STACKDR, "--config", folder, "--interval", "2")
    try:
        check(many.port is not None, "a daemon over three stacks listens")
        browser.load(many.base + "/")
        rows = "[...document.querySelectorAll('tr.stack')]"
        check(wait_for(lambda: browser.eval(f"{rows}.length") == 3, 10) is not None, "the list shows three stacks")
        req = urllib.request.Request(f"{many.base}/lab/faults?stack=gamma&name=md-superblock-corrupt", data=b"",
                                     method="POST")
        check(urllib.request.urlopen(req).status == 202, "a fault is injected into gamma")
        check(wait_for(lambda: browser.eval(
            f"{rows}[0].textContent.startsWith('gamma') && {rows}[0].dataset.status === 'CRITICAL'"), 30)
              is not None, "gamma moves to the top, CRITICAL, without a reload")
        check(browser.eval(f"{rows}.slice(1).every(r => r.dataset.status === 'OK')"), "alpha and beta stay OK")
        browser.screenshot("stacks.png")
        browser.eval("document.querySelector('a[href=\"/stacks/gamma/\"]').click()")
        check(wait_for(lambda: browser.eval(
            "location.pathname === '/stacks/gamma/' && document.querySelector('header strong') !== null &&"
            " document.querySelector('header strong').textContent === 'gamma'"), 10) is not None,
              "its link opens gamma's own dashboard")
        check(wait_for(lambda: browser.eval(
            "document.querySelector('#findings').textContent.includes('superblock')"), 10) is not None,
              "which shows gamma's finding")
        check(browser.eval("[...document.querySelectorAll('header a')].some(a => a.textContent === 'all stacks')"),
              "and a way back to the list")
    finally:
        check(many.stop(), "the daemon of three stacks stops on SIGTERM")
        shutil.rmtree(folder, ignore_errors=True)

if __name__ == "__main__":
    sys.exit(main())
