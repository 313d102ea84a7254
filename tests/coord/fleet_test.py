#!/usr/bin/python3
"""Two `stackdr watch` daemons on one practice stack, coordinated through a real three-member
etcd cluster on loopback (Debian's etcd-server): exactly one leads and recovers; the leader
paused past its lease (SIGSTOP) is replaced, the new leader raises its fencing token and
recovers the next fault, and the old one on waking (SIGCONT) acts in nothing; a leader killed
(SIGKILL) is replaced the same way; a hand-run recover is refused while a daemon leads.
Prints the failover times (leader gone -> the other leads).

usage: fleet_test.py STACKDR TOPOLOGY"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from fleet import Daemon, Etcd, healthy as stack_healthy, inject as stack_inject, make_practice, stop_all  # noqa: E402
from lab_daemon import Checks, wait_for  # noqa: E402

TTL, KEEPALIVE = 3, 1


def main():
    stackdr, config = sys.argv[1], sys.argv[2]
    check = Checks()
    work = tempfile.mkdtemp(prefix="stackdr-fleet-")
    etcd = Etcd(work)
    daemons = []
    try:
        check(wait_for(etcd.healthy, 30), "a three-member etcd cluster is up on loopback")
        state = make_practice(stackdr, config, work, etcd, TTL, KEEPALIVE)

        def inject(fault):
            stack_inject(stackdr, state, fault)

        def healthy():
            return stack_healthy(stackdr, state)

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
        check(leader.alerts_sent() == 1 and other.alerts_sent() == 0 and
              other.said("held (another daemon leads): FIRING"),
              f"the leader alerted once; the follower held its alert and sent none "
              f"({leader.alerts_sent()} and {other.alerts_sent()} sent)")

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
        # A failure the daemons may not repair (a disruptive step; their policy is safe) stays
        # open: the follower holds its alert, and sends it when the leader dies.
        daemons += [Daemon(stackdr, state, work, "c"), Daemon(stackdr, state, work, "d")]
        pair = daemons[-2:]
        one = wait_for(lambda: [d for d in pair if d.leading()], 20)
        check(one and len(one) == 1, "of two fresh daemons one leads")
        first = one[0] if one else pair[0]
        second = pair[1] if first is pair[0] else pair[0]
        inject("md-superblock-corrupt")
        check(wait_for(lambda: first.alerts_sent() == 1 and second.said("held (another daemon leads): FIRING"), 30),
              "the leader alerts the open failure and the follower holds it")
        first.proc.kill()
        first.proc.wait()
        check(wait_for(lambda: second.said("sending the alert held while following"), TTL * 5),
              "the follower, leading now, sends the alert it held (the failure is still open)")
        check(second.alerts_sent() == 1, f"once ({second.alerts_sent()} sent)")
        print(f"[ figures  ] failover after SIGSTOP {failover_pause:.2f} s, after SIGKILL {failover_kill:.2f} s "
              f"(lease ttl {TTL} s, renewed every {KEEPALIVE} s)", flush=True)
    finally:
        stop_all(daemons, etcd)
        if not check.failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("logs kept in", work)
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
