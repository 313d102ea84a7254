#pragma once
/// Prober and ProbeBatch: how the observer runs its probes. A Prober runs commands and reads
/// files on one host and records each outcome (ok or why not, and how long it took). A
/// ProbeBatch holds probes that do not depend on each other and runs them side by side when
/// every host involved allows it: one sweep then costs its slowest probe, not the sum of all
/// of them — which matters when `mdadm --examine` blocks for its whole timeout behind an
/// iSCSI session that is recovering, or `targetcli` needs seconds to start its Python.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "host/host.h"
#include "probe/observation.h"
#include "probe/parse_report.h"
#include "util/result.h"

namespace stackdr {

/// Runs probes on one host and records each outcome in its own list of sources.
class Prober {
 public:
  Prober(Host* host, std::string host_name, std::vector<SourceRecord>& sources)
      : host_(host), name_(std::move(host_name)), sources_(sources) {}

  /// Runs argv; returns what it printed when it ran to an end with one of the exit statuses
  /// in `ok_rc`. Anything else (not started, timed out, another status) is recorded as a
  /// failed read and returns nothing: its output proves nothing.
  std::optional<CommandResult> run(const Argv& argv, std::chrono::milliseconds timeout,
                                   std::initializer_list<int> ok_rc = {0});
  /// Reads a small file (procfs, sysfs).
  std::optional<std::string> read(const std::string& path);
  /// Records a probe deliberately not run, and why (it is unread, as if it had failed).
  void skip(const Argv& argv, const std::string& why) { record(describe_argv(argv), false, why, 0); }

  /// Returns the parsed value, or records the parse failure against the source.
  template <typename T>
  std::optional<T> parsed(Result<T> r, const std::string& what) {
    if (r.ok()) return std::move(*r);
    record(what, false, r.error().message, 0);
    return std::nullopt;
  }

  const std::string& name() const { return name_; }

 private:
  void record(const std::string& what, bool ok, const std::string& err, double ms);

  Host* host_;
  std::string name_;
  std::vector<SourceRecord>& sources_;
};

/// Probes that may run at the same time. Each writes its facts into a place no other probe of
/// the batch touches (a field, or a map entry made before the batch runs) and its sources
/// into its own list; the lists are appended in the order the probes were added, so a sweep's
/// record reads the same whether the probes ran one by one or side by side.
class ProbeBatch {
 public:
  using Probe = std::function<void(Prober&)>;
  void add(Host* host, const std::string& host_name, Probe probe);
  /// Runs every probe, at most `max_parallel` at once (1: one after another; also when a host
  /// says it cannot take concurrent calls, as the simulator cannot), and appends their sources.
  void run(int max_parallel, std::vector<SourceRecord>& sources);

 private:
  struct Entry {
    Host* host;
    std::string host_name;
    Probe probe;
    std::vector<SourceRecord> sources;
  };
  std::vector<Entry> entries_;
};

}  // namespace stackdr
