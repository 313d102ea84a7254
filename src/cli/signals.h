#pragma once
/// Signals during a recovery. A repair must not stop halfway because a terminal went away or
/// someone pressed Ctrl-C: SIGHUP is ignored (a dropped SSH session), SIGINT and SIGTERM ask
/// the executor to stop before its next step, so the running step finishes and is journaled
/// (`recover --resume` continues). A second signal says what is still running; it never kills
/// the step (its process runs in its own process group and is waited for).

#include <string>

namespace stackdr::signals {

/// Installs the handlers for the rest of the process; `how_to_continue` ends the first signal's
/// message ("`stackdr recover --resume --state-dir D` continues", with this run's options).
void install_for_recovery(const std::string& how_to_continue);
/// True once SIGINT or SIGTERM arrived.
bool stop_requested();
/// What runs now, for the second signal's message ("" = nothing).
void set_running(const std::string& what);

}  // namespace stackdr::signals
