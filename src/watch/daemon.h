#pragma once
/// The daemon (`stackdr watch`): it sweeps the stack when the kernel says something changed
/// (md raises POLLPRI on /proc/mdstat for every array event, as mdadm --monitor uses; a
/// /dev/kmsg record about md, iSCSI or ext4; a device uevent; a far host's follower line: its
/// md, kernel log, ZFS and libvirt events) and every interval as a backstop, keeps one incident
/// per failure in the journal (shared with a hand-run `stackdr recover`, and with its host
/// locks), runs the auto-recovery its policy allows (default: none; destructive steps always
/// wait for an operator), runs due maintenance, sends alerts on open, change, reminder and
/// resolve, and serves /metrics, /status and /healthz. Under systemd (Type=notify) it says
/// READY once the first sweep is done, its health in STATUS, and pings the watchdog. SIGHUP
/// re-opens the stack (a broken topology keeps the old one and says why); SIGTERM and SIGINT
/// end it: a recovery step in flight finishes and is journaled first.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "operate/stack.h"
#include "recover/stack_hints.h"
#include "util/result.h"
#include "watch/watch_settings.h"

namespace stackdr {

struct DaemonOptions {
  /// Opens the stack: at start, at SIGHUP, and when a practice stack changed under the daemon.
  std::function<Result<std::shared_ptr<Stack>>()> open_stack;
  WatchOverrides overrides;       // the command line's settings (over the topology's `watch:`)
  std::string token_file;         // Authorization: Bearer; needed off loopback (or listen_insecure)
  std::string tls_cert, tls_key;  // PEM files: HTTPS instead of HTTP (both or neither)
  bool listen_insecure = false;
  bool json = false;      // JSON lines on standard output instead of log lines on standard error
  std::string state_dir;  // the journal and the locks of a simulated stack's hosts
  StackHints hints;       // the options that select this stack, for every hint a plan prints
  /// etcd's client URLs (`--etcd`): over the topology's `coordination:` endpoints. With either,
  /// the daemon acts on the stack only while it holds the stack's leader key (coord/election.h).
  std::vector<std::string> etcd;
};

/// Runs until SIGTERM or SIGINT; an error when it could not start (the message says what to
/// fix: a setting, the token file, the journal, the listen address).
Result<bool> run_daemon(const DaemonOptions& options);

}  // namespace stackdr
