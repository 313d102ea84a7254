#pragma once
/// The daemon (`stackdr watch`): one process watching one stack or many (a topology folder,
/// stacks.d), each stack on its own thread with its own schedule, journal, alerts and election
/// (watch/stack_watch.h). The daemon owns what they share: the signals, one HTTP listener
/// (/metrics with every stack's samples labelled stack and site; /status; /healthz; the
/// dashboard: a stack's own at / when there is one, else the list of stacks, worst first, and
/// each stack's under /stacks/NAME/), and systemd's notifications. Under systemd (Type=notify)
/// it says READY once every stack's first sweep is done, its health in STATUS, and pings the
/// watchdog while every stack's loop comes round. SIGHUP re-opens every stack (a broken
/// topology keeps the old one and says why) and, for a folder, starts the stacks added and ends
/// the ones removed; SIGTERM and SIGINT end it: a recovery step in
/// flight finishes and is journaled first.

#include <functional>
#include <string>
#include <vector>

#include "util/result.h"
#include "watch/stack_election.h"
#include "watch/stack_watch.h"
#include "watch/watch_settings.h"

namespace stackdr {

struct DaemonOptions {
  std::vector<WatchedStack> stacks;  // one or more, by name
  WatchOverrides overrides;          // the command line's settings (over each topology's `watch:`)
  std::string token_file;            // Authorization: Bearer; needed off loopback (or listen_insecure)
  std::string tls_cert, tls_key;     // PEM files: HTTPS instead of HTTP (both or neither)
  bool listen_insecure = false;
  bool json = false;  // JSON lines on standard output instead of log lines on standard error
  /// etcd's client URLs (`--etcd`) and TLS files (`--etcd-ca/cert/key`): over each topology's
  /// `coordination:`. With endpoints from either, the daemon acts on a stack only while it holds
  /// the stack's leader key (coord/election.h).
  EtcdOverride etcd;
  /// A topology folder watched whole: lists its stacks again at SIGHUP (a file added is then
  /// watched, one removed no longer is). Empty for one file or one stack of a folder.
  std::function<Result<std::vector<WatchedStack>>()> relist;
};

/// Runs until SIGTERM or SIGINT; an error when it could not start (the message says what to
/// fix: a setting, the token file, the journal, the listen address; and which stack).
Result<bool> run_daemon(const DaemonOptions& options);

}  // namespace stackdr
