#!/usr/bin/python3
"""Randomised runs of three `stackdr watch` daemons on one practice stack, coordinated through a
real three-member etcd cluster on loopback. Each run injects a fault (a logged-out session, which
the daemons' safe auto-recovery repairs) and, at a random moment around it, one disturbance: the
leader paused past its lease and woken (SIGSTOP/SIGCONT), the leader killed (SIGKILL) and started
again, an etcd member stopped and started again, or nothing. Then it waits for the stack to be
healthy. It counts, over every run:

  steps by a non-leader: commands on the tape that ran under a token lower than one already
    used before them (the fencing token only grows: a stale leader's step would show here), or
    with no token at all;
  steps twice: a run's commands repeated (the same host and argv twice in one run);
  unrecovered: runs whose stack was not healthy within 90 s;
  failover: leader gone (paused or killed) -> another daemon leads, median and max;
  alerts: FIRING lines across the daemons beyond one per run (a pause or kill can make the new
    leader alert a failure the old one already did: Alertmanager merges those).

usage: fleet_chaos.py STACKDR TOPOLOGY [RUNS] [SEED]   (exit 1 when a count that must be 0 is not)
The runs are split between $FLEET_CHAOS_FLEETS (default 2) fleets that run at once; fleet i
takes seed SEED+i."""
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from fleet import Daemon, Etcd, healthy, inject, make_practice, stop_all, tape  # noqa: E402
from lab_daemon import wait_for  # noqa: E402

TTL, KEEPALIVE = 2, 1


class Counts:
    """What one fleet's runs counted (see the module's docstring)."""

    def __init__(self):
        self.runs, self.kinds, self.failovers = 0, {}, []
        self.unrecovered = self.twice = self.alerts_extra = 0
        self.stale = self.unfenced = self.fenced = 0
        self.failed_setup = False

    def add(self, o):
        self.runs += o.runs
        for k, v in o.kinds.items():
            self.kinds[k] = self.kinds.get(k, 0) + v
        self.failovers += o.failovers
        for f in ("unrecovered", "twice", "alerts_extra", "stale", "unfenced", "fenced"):
            setattr(self, f, getattr(self, f) + getattr(o, f))
        self.failed_setup |= o.failed_setup


def fleet(stackdr, config, runs, seed, tag, work, counts):
    """`runs` randomised runs on one fleet (its own etcd cluster, practice stack and daemons)."""
    rng = random.Random(seed)
    etcd = Etcd(work)
    daemons = []
    try:
        if not wait_for(etcd.healthy, 30):
            print(f"FAIL {tag}: the etcd cluster did not come up", flush=True)
            counts.failed_setup = True
            return
        state = make_practice(stackdr, config, work, etcd, TTL, KEEPALIVE)
        daemons = [Daemon(stackdr, state, work, n) for n in ("a", "b", "c")]
        wait_for(lambda: any(d.leading() for d in daemons), 20)
        for run in range(runs):
            what = rng.choice(["pause", "kill", "etcd-member", "none"])
            counts.kinds[what] = counts.kinds.get(what, 0) + 1
            counts.runs += 1
            before_tape = len(tape(state))
            firing_before = sum(d.alerts_sent() for d in daemons)
            early = rng.random() < 0.5  # the disturbance before the fault, or while it is repaired
            if not early:
                inject(stackdr, state, "session-logout")
                time.sleep(rng.uniform(0, 1.5))
            leader = next((d for d in daemons if d.leading()), None)
            if what in ("pause", "kill") and leader:
                others = [d for d in daemons if d is not leader]
                if what == "pause":
                    leader.proc.send_signal(signal.SIGSTOP)
                else:
                    leader.proc.kill()
                    leader.proc.wait()
                t0 = time.time()
                if wait_for(lambda: any(d.leading() for d in others), TTL * 6):
                    counts.failovers.append(time.time() - t0)
                if what == "pause":
                    time.sleep(rng.uniform(0, 1))
                    leader.proc.send_signal(signal.SIGCONT)
                else:
                    i = daemons.index(leader)
                    daemons[i] = Daemon(stackdr, state, work, leader.name + str(run))
            elif what == "etcd-member":
                m = rng.randrange(3)
                etcd.procs[m].kill()
                etcd.procs[m].wait()
            if early:
                inject(stackdr, state, "session-logout")
            if not wait_for(lambda: healthy(stackdr, state), 90, step=0.5):
                counts.unrecovered += 1
                print(f"{tag} run {run}: {what}: not healthy within 90 s", flush=True)
            if what == "etcd-member":
                etcd.restart(m)
                wait_for(etcd.healthy, 20)
            # A run's commands: none twice.
            cmds = [(e["host"], tuple(e["argv"])) for e in tape(state)[before_tape:] if e["kind"] == "command"]
            counts.twice += len(cmds) - len(set(cmds))
            counts.alerts_extra += max(0, sum(d.alerts_sent() for d in daemons) - firing_before - 1)
        # Over the whole tape: every command fenced, and the tokens never going back.
        highest = 0
        for e in tape(state):
            if e["kind"] != "command":
                continue
            t = e.get("token", 0)
            if t == 0:
                counts.unfenced += 1
            elif t < highest:
                counts.stale += 1
            else:
                counts.fenced += 1
            highest = max(highest, t)
    except Exception as e:  # a broken harness must fail the test, not pass with fewer runs
        print(f"FAIL {tag}: {type(e).__name__}: {e}", flush=True)
        counts.failed_setup = True
    finally:
        stop_all(daemons, etcd)


def main():
    stackdr, config = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20261207
    # The runs are shared between independent fleets that run at once (each its own etcd
    # cluster, practice stack and three daemons): a run is mostly waiting (leases, sweeps,
    # the repair), so two fleets take half the time on two cores without slowing each other.
    fleets = max(1, min(runs, int(os.environ.get("FLEET_CHAOS_FLEETS", "2"))))
    work = tempfile.mkdtemp(prefix="stackdr-fleet-chaos-")
    per = [runs // fleets + (1 if i < runs % fleets else 0) for i in range(fleets)]
    counts = [Counts() for _ in range(fleets)]
    threads = []
    for i in range(fleets):
        sub = os.path.join(work, f"fleet{i}")
        os.makedirs(sub)
        t = threading.Thread(target=fleet, args=(stackdr, config, per[i], seed + i, f"fleet{i}", sub, counts[i]))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    c = Counts()
    for x in counts:
        c.add(x)
    fo = sorted(c.failovers)
    print(f"[ figures  ] {c.runs} runs in {fleets} fleets at once "
          f"({', '.join(f'{k} {v}' for k, v in sorted(c.kinds.items()))}); "
          f"{c.fenced + c.stale + c.unfenced} commands: by a non-leader {c.stale + c.unfenced} (stale token {c.stale}, "
          f"unfenced {c.unfenced}); twice {c.twice}; unrecovered {c.unrecovered}; extra alerts {c.alerts_extra}; "
          f"failover median {statistics.median(fo) if fo else 0:.2f} s, max {max(fo) if fo else 0:.2f} s "
          f"over {len(fo)} (lease ttl {TTL} s)", flush=True)
    bad = c.stale + c.unfenced + c.twice + c.unrecovered
    if bad == 0 and not c.failed_setup and c.runs == runs:
        shutil.rmtree(work, ignore_errors=True)
        print("every count that must be 0 is 0")
        return 0
    print("FAIL: logs kept in", work)
    return 1


if __name__ == "__main__":
    sys.exit(main())
