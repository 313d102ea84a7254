#pragma once
/// The daemon's own lines: log lines on standard error ("stackdr watch: …"), or with --json a
/// stream of JSON objects on standard output, one per line, each with its time. Lines come from
/// every stack's loop and the alert senders' threads; one lock keeps them whole.

#include <nlohmann/json.hpp>
#include <string>

namespace stackdr {

/// --json: JSON lines on standard output instead of log lines on standard error.
void set_daemon_json(bool json);
bool daemon_json();
/// One JSON object on its own line, with "at" (unix time).
void daemon_json_line(nlohmann::json j);
/// A log line; `stack` (when not empty) is named in it: "[stack NAME] …", or "stack": NAME.
void daemon_log(const std::string& line, const std::string& stack = "");

}  // namespace stackdr
