#!/usr/bin/python3
"""Two `stackdr watch` daemons on one practice stack, coordinated through a real three-member
etcd cluster on loopback (Debian's etcd-server): exactly one leads and recovers; the leader
paused past its lease (SIGSTOP) is replaced, the new leader raises its fencing token and
recovers the next fault, and the old one on waking (SIGCONT) acts in nothing; a leader killed
(SIGKILL) is replaced the same way. Prints the failover times (leader gone -> the other leads).

usage: fleet_test.py STACKDR TOPOLOGY"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from lab_daemon import Checks, wait_for  # noqa: E402

TTL, KEEPALIVE = 3, 1


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
        self.client, self.peer = p[:3], p[3:]
        cluster = ",".join(f"m{i}=http://127.0.0.1:{self.peer[i]}" for i in range(3))
        self.procs = []
        for i in range(3):
            log = open(os.path.join(work, f"etcd-m{i}.log"), "w")
            self.procs.append(subprocess.Popen(
                ["etcd", "--name", f"m{i}", "--data-dir", os.path.join(work, f"etcd-m{i}"),
                 "--listen-client-urls", self.endpoint(i), "--advertise-client-urls", self.endpoint(i),
                 "--listen-peer-urls", f"http://127.0.0.1:{self.peer[i]}",
                 "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer[i]}",
                 "--initial-cluster", cluster, "--initial-cluster-state", "new",
                 "--heartbeat-interval", "50", "--election-timeout", "500", "--logger", "zap", "--log-level", "warn"],
                stdout=log, stderr=log))

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

    def leader_metric(self):
        try:
            body = urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2).read().decode()
        except Exception:
            return None
        for line in body.splitlines():
            if line.startswith('stackdr_leader{stack="practice"}'):
                return float(line.split()[-1])
        return None


def main():
    stackdr, config = sys.argv[1], sys.argv[2]
    check = Checks()
    work = tempfile.mkdtemp(prefix="stackdr-fleet-")
    etcd = Etcd(work)
    daemons = []
    try:
        check(wait_for(etcd.healthy, 30), "a three-member etcd cluster is up on loopback")
        topo = os.path.join(work, "topology.yaml")
        with open(config) as f, open(topo, "w") as out:
            out.write("name: practice\nsite: test\n")
            out.write(f.read())
            out.write("coordination:\n  etcd:\n    endpoints: [%s]\n    ttl: %d\n    keepalive: %d\n" %
                      (", ".join(etcd.endpoint(i) for i in range(3)), TTL, KEEPALIVE))
        state = os.path.join(work, "state")
        subprocess.run([stackdr, "lab", "init", "--config", topo, "--state-dir", state, "--pace", "0"], check=True,
                       stdout=subprocess.DEVNULL)

        def inject(fault):
            subprocess.run([stackdr, "lab", "inject", fault, "--state-dir", state], check=True,
                           stdout=subprocess.DEVNULL)

        def healthy():
            r = subprocess.run([stackdr, "status", "--lab", "--state-dir", state], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            return r.returncode == 0

        daemons = [Daemon(stackdr, state, work, "a"), Daemon(stackdr, state, work, "b")]
        check(all(d.port for d in daemons), "both daemons listen")
        one = wait_for(lambda: [d for d in daemons if d.leading()], 20)
        check(one and len(one) == 1, "exactly one daemon leads the stack")
        leader = one[0] if one else daemons[0]
        other = daemons[1] if leader is daemons[0] else daemons[0]
        c = leader.coordination()
        check(c.get("token", 0) > 0 and wait_for(lambda: other.coordination().get("holder") == c.get("holder"), 10),
              f"the follower names the leader ({c.get('holder')}, token {c.get('token')})")
        check(wait_for(lambda: leader.leader_metric() == 1 and other.leader_metric() == 0, 10),
              "stackdr_leader is 1 on the leader and 0 on the follower")

        inject("session-logout")
        check(wait_for(healthy, 60), "the leader recovers a logged-out session")
        check(wait_for(lambda: leader.said("auto-recovery ended (exit 0"), 10) and not other.said("auto-recovery ("),
              "the leader ran the recovery and the follower did not")

        # The leader paused past its lease: the follower takes over with a higher token.
        token_before = c.get("token", 0)
        leader.proc.send_signal(signal.SIGSTOP)
        t0 = time.time()
        took = wait_for(other.leading, TTL * 4)
        failover_pause = time.time() - t0
        check(took, f"the follower leads {failover_pause:.2f} s after the leader was paused (ttl {TTL} s)")
        check(other.coordination().get("token", 0) > token_before, "the new leadership's token is higher")
        check(wait_for(lambda: other.said("leading stack practice"), 5), "the new leader says it leads")
        inject("session-logout")
        check(wait_for(healthy, 60), "the new leader recovers the next fault while the old one is paused")
        leader.proc.send_signal(signal.SIGCONT)
        check(wait_for(lambda: leader.said("not acting on stack practice"), 15),
              "the old leader, woken, says it does not act and who leads")
        check(not leader.leading() and other.leading(), "after the wake-up one leader still: the new one")
        check(leader.count("auto-recovery (") == 1, "the old leader started no recovery after waking")

        # The new leader killed: the first takes over again.
        other.proc.kill()
        other.proc.wait()
        t0 = time.time()
        took = wait_for(leader.leading, TTL * 4)
        failover_kill = time.time() - t0
        check(took, f"the first daemon leads again {failover_kill:.2f} s after the leader was killed (SIGKILL)")
        inject("session-logout")
        check(wait_for(healthy, 60), "and recovers the next fault")
        # An operator's `stackdr recover` while a daemon leads: refused, naming the daemon.
        r = subprocess.run([stackdr, "recover", "--lab", "--state-dir", state], capture_output=True, text=True)
        check(r.returncode == 4 and "is led by stackdr watch pid" in r.stdout + r.stderr,
              "a hand-run recover while a daemon leads is refused (exit 4) naming the daemon: " +
              (r.stdout + r.stderr).strip().splitlines()[-1][:160] if (r.stdout + r.stderr).strip() else "(nothing said)")
        # The daemon stopped (it resigns): the operator's run takes the leadership and recovers.
        leader.proc.terminate()
        leader.proc.wait(20)
        inject("session-logout")
        r = subprocess.run([stackdr, "recover", "--lab", "--state-dir", state], capture_output=True, text=True)
        check(r.returncode == 0 and healthy(), f"with no daemon left, a hand-run recover leads and recovers "
              f"(exit {r.returncode})")
        print(f"[ figures  ] failover after SIGSTOP {failover_pause:.2f} s, after SIGKILL {failover_kill:.2f} s "
              f"(lease ttl {TTL} s, renewed every {KEEPALIVE} s)", flush=True)
    finally:
        for d in daemons:
            if d.proc.poll() is None:
                d.proc.send_signal(signal.SIGCONT)
                d.proc.terminate()
                try:
                    d.proc.wait(20)
                except subprocess.TimeoutExpired:
                    d.proc.kill()
        etcd.stop()
        if not check.failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("logs kept in", work)
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
