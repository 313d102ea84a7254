#pragma once
/// `stackdr watch`: the command line of the daemon (watch/daemon.h), which it opens the stack
/// for and starts.

#include <string>
#include <vector>

#include "cli/stack_context.h"

namespace stackdr {

/// The command line's settings; what is not given comes from the topology's `watch:` section,
/// then from the defaults below.
struct WatchCliOptions {
  ContextOptions context;
  std::string listen;  // default 127.0.0.1:9470
  std::string webhook;
  std::string mail_to;
  std::vector<std::string> exec;  // argv of a hook; the alert as JSON on its standard input
  int interval = 0;               // seconds between sweeps when nothing happens (default 60)
  int remind = 0;                 // seconds between reminders of an alert still firing (default 3600)
  int resolve_after = -1;         // seconds a failure must stay gone before it is resolved (default 120)
  std::string auto_recover;       // off | safe | disruptive (default off)
  std::string token_file;         // Authorization: Bearer; needed off loopback (or listen_insecure)
  std::string tls_cert, tls_key;  // HTTPS
  std::vector<std::string> etcd;  // --etcd: etcd's client URLs (coordination)
  std::string etcd_ca, etcd_cert, etcd_key;  // --etcd-ca/cert/key: https to etcd
  bool listen_insecure = false;              // serve a non-loopback address without a token, knowingly
  bool json = false;  // JSON lines on standard output instead of log lines on standard error
};

int cmd_watch(const WatchCliOptions& o);

}  // namespace stackdr
