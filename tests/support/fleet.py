"""What the fleet tests share (tests/coord/fleet_*.py): a three-member etcd cluster on loopback
(Debian's etcd-server), a practice stack whose topology names it and coordinates through that
cluster, and `stackdr watch --lab` daemons on it, read through their /status, /metrics and log."""
import json
import os
import signal
import socket
import subprocess
import urllib.request


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Etcd:
    """Three etcd members on loopback, each a child process with its own data folder."""

    def __init__(self, work):
        p = free_ports(6)
        self.work = work
        self.client, self.peer = p[:3], p[3:]
        self.logs = [open(os.path.join(work, f"etcd-m{i}.log"), "a") for i in range(3)]
        self.procs = [subprocess.Popen(self._args(i, "new"), stdout=self.logs[i], stderr=self.logs[i])
                      for i in range(3)]

    def _args(self, i, cluster_state):
        cluster = ",".join(f"m{j}=http://127.0.0.1:{self.peer[j]}" for j in range(3))
        return ["etcd", "--name", f"m{i}", "--data-dir", os.path.join(self.work, f"etcd-m{i}"),
                "--listen-client-urls", self.endpoint(i), "--advertise-client-urls", self.endpoint(i),
                "--listen-peer-urls", f"http://127.0.0.1:{self.peer[i]}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer[i]}",
                "--initial-cluster", cluster, "--initial-cluster-state", cluster_state,
                # a member lost is noticed in half a second, not the default second
                "--heartbeat-interval", "50", "--election-timeout", "500", "--logger", "zap", "--log-level", "warn"]

    def endpoint(self, i):
        return f"http://127.0.0.1:{self.client[i]}"

    def healthy(self):
        for i in range(3):
            try:
                body = urllib.request.urlopen(self.endpoint(i) + "/health", timeout=1).read()
                if json.loads(body).get("health") == "true":
                    return True
            except Exception:
                pass
        return False

    def restart(self, i):
        """Member i again, with its data, into the cluster it left (a no-op while it runs)."""
        if self.procs[i].poll() is None:
            return
        self.procs[i] = subprocess.Popen(self._args(i, "existing"), stdout=self.logs[i], stderr=self.logs[i])

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()


class Daemon:
    def __init__(self, stackdr, state, work, name):
        self.name = name
        self.log = os.path.join(work, f"{name}.log")
        self.proc = subprocess.Popen(
            [stackdr, "watch", "--lab", "--state-dir", state, "--listen", "127.0.0.1:0", "--auto-recover", "safe",
             "--interval", "1"], stdout=subprocess.PIPE, stderr=open(self.log, "w"), text=True)
        self.port = next((int(l.split()[-1]) for l in self.proc.stdout if l.startswith("listening on port ")), None)

    def coordination(self):
        try:
            body = urllib.request.urlopen(f"http://127.0.0.1:{self.port}/status", timeout=2).read()
            return json.loads(body).get("coordination", {})
        except Exception:
            return {}

    def leading(self):
        return self.coordination().get("leader") is True

    def said(self, text):
        with open(self.log) as f:
            return text in f.read()

    def count(self, text):
        with open(self.log) as f:
            return f.read().count(text)

    def alerts_sent(self):
        """Firing alerts this daemon sent: its FIRING lines, less those it held while following,
        plus the held ones it sent on becoming leader."""
        return (self.count("FIRING") - self.count("held (another daemon leads): FIRING")
                + self.count("sending the alert held while following"))

    def leader_metric(self):
        try:
            body = urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2).read().decode()
        except Exception:
            return None
        for line in body.splitlines():
            if line.startswith('stackdr_leader{stack="practice",site="test"}'):
                return float(line.split()[-1])
        return None


def make_practice(stackdr, config, work, etcd, ttl, keepalive):
    """A practice stack named `practice` under `work`/state, coordinated through `etcd`."""
    topo = os.path.join(work, "topology.yaml")
    with open(config) as f, open(topo, "w") as out:
        out.write("name: practice\nsite: test\n")
        out.write(f.read())
        out.write("coordination:\n  etcd:\n    endpoints: [%s]\n    ttl: %d\n    keepalive: %d\n" %
                  (", ".join(etcd.endpoint(i) for i in range(3)), ttl, keepalive))
    state = os.path.join(work, "state")
    subprocess.run([stackdr, "lab", "init", "--config", topo, "--state-dir", state, "--pace", "0"], check=True,
                   stdout=subprocess.DEVNULL)
    return state


def inject(stackdr, state, fault):
    subprocess.run([stackdr, "lab", "inject", fault, "--state-dir", state], check=True, stdout=subprocess.DEVNULL)


def healthy(stackdr, state):
    r = subprocess.run([stackdr, "status", "--lab", "--state-dir", state], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return r.returncode == 0


def tape(state):
    """The practice stack's tape: one dict per line."""
    with open(os.path.join(state, "lab", "practice", "tape.jsonl")) as f:
        return [json.loads(l) for l in f if l.strip()]


def stop_all(daemons, etcd):
    for d in daemons:
        if d.proc.poll() is None:
            d.proc.send_signal(signal.SIGCONT)
            d.proc.terminate()
            try:
                d.proc.wait(20)
            except subprocess.TimeoutExpired:
                d.proc.kill()
    etcd.stop()
