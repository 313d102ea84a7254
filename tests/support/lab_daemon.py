"""What the Python tests of `stackdr watch` share: a daemon on the simulated stack, on a
loopback port it picks, in a folder of its own; a fault injected through its lab API; and a
tally of checks that prints each and says at the end whether all held."""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request


class LabDaemon:
    """`stackdr watch --lab` with `args`, until stop(); `port` and `base` once it listens."""

    def __init__(self, stackdr, *args, stderr_to=None):
        self.work = tempfile.mkdtemp(prefix="stackdr-watch-")
        err = open(os.path.join(self.work, "daemon.log"), "w") if stderr_to is None else stderr_to
        self.proc = subprocess.Popen(
            [stackdr, "watch", "--lab", "--state-dir", os.path.join(self.work, "state"), "--listen", "127.0.0.1:0",
             *args], stdout=subprocess.PIPE, stderr=err, text=True)
        self.port = next((int(l.split()[-1]) for l in self.proc.stdout if l.startswith("listening on port ")), None)
        self.base = f"http://127.0.0.1:{self.port}"

    def inject(self, fault):
        """POST /lab/faults?name=FAULT: the HTTP status."""
        req = urllib.request.Request(f"{self.base}/lab/faults?name={fault}", data=b"", method="POST")
        return urllib.request.urlopen(req).status

    def stop(self):
        """SIGTERM, then the folder removed; False when it did not end within 30 s."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
            ended = True
        except subprocess.TimeoutExpired:
            self.proc.kill()
            ended = False
        shutil.rmtree(self.work, ignore_errors=True)
        return ended


class Checks:
    """Each check printed as it is made ("ok" or "FAIL"); exit_code() is 1 when any failed."""

    def __init__(self):
        self.failures = []

    def __call__(self, ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            self.failures.append(what)
        return ok

    def exit_code(self):
        for f in self.failures:
            print("FAIL", f)
        print(f"{len(self.failures)} check(s) failed" if self.failures else "every check held", flush=True)
        return 1 if self.failures else 0


def wait_for(pred, timeout, step=0.1):
    """pred()'s first true value within `timeout` seconds, else None."""
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None
