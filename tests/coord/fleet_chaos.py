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

usage: fleet_chaos.py STACKDR TOPOLOGY [RUNS] [SEED]   (exit 1 when a count that must be 0 is not)"""
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from fleet import Daemon, Etcd, healthy, inject, make_practice, stop_all, tape  # noqa: E402
from lab_daemon import wait_for  # noqa: E402

TTL, KEEPALIVE = 2, 1


def main():
    stackdr, config = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 20261207)
    work = tempfile.mkdtemp(prefix="stackdr-fleet-chaos-")
    etcd = Etcd(work)
    daemons = []
    failovers, unrecovered, twice, alerts_extra, kinds = [], 0, 0, 0, {}
    try:
        if not wait_for(etcd.healthy, 30):
            print("FAIL the etcd cluster did not come up")
            return 1
        state = make_practice(stackdr, config, work, etcd, TTL, KEEPALIVE)
        daemons = [Daemon(stackdr, state, work, n) for n in ("a", "b", "c")]
        wait_for(lambda: any(d.leading() for d in daemons), 20)
        for run in range(runs):
            what = rng.choice(["pause", "kill", "etcd-member", "none"])
            kinds[what] = kinds.get(what, 0) + 1
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
                    failovers.append(time.time() - t0)
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
                unrecovered += 1
                print(f"run {run}: {what}: not healthy within 90 s", flush=True)
            if what == "etcd-member":
                etcd.restart(m)
                wait_for(etcd.healthy, 20)
            # A run's commands: none twice.
            cmds = [(e["host"], tuple(e["argv"])) for e in tape(state)[before_tape:] if e["kind"] == "command"]
            twice += len(cmds) - len(set(cmds))
            alerts_extra += max(0, sum(d.alerts_sent() for d in daemons) - firing_before - 1)
        # Over the whole tape: every command fenced, and the tokens never going back.
        highest, stale, unfenced, fenced = 0, 0, 0, 0
        for e in tape(state):
            if e["kind"] != "command":
                continue
            t = e.get("token", 0)
            if t == 0:
                unfenced += 1
            elif t < highest:
                stale += 1
            else:
                fenced += 1
            highest = max(highest, t)
    finally:
        stop_all(daemons, etcd)
    fo = sorted(failovers)
    print(f"[ figures  ] {runs} runs ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); "
          f"{fenced + stale + unfenced} commands: by a non-leader {stale + unfenced} (stale token {stale}, "
          f"unfenced {unfenced}); twice {twice}; unrecovered {unrecovered}; extra alerts {alerts_extra}; "
          f"failover median {statistics.median(fo) if fo else 0:.2f} s, max {max(fo) if fo else 0:.2f} s "
          f"over {len(fo)} (lease ttl {TTL} s)", flush=True)
    bad = stale + unfenced + twice + unrecovered
    if bad == 0:
        shutil.rmtree(work, ignore_errors=True)
        print("every count that must be 0 is 0")
        return 0
    print("FAIL: logs kept in", work)
    return 1


if __name__ == "__main__":
    sys.exit(main())
