#pragma once
/// Prober and ProbeBatch: how the observer runs its probes. A Prober runs commands and reads
/// files on one host and records each outcome (ok or why not, and how long it took). A
/// ProbeBatch holds probes that do not depend on each other and runs them side by side when
/// every host involved allows it: one sweep then costs its slowest probe, not the sum of all
/// of them — which matters when `mdadm --examine` blocks for its whole timeout behind an
/// iSCSI session that is recovering, or `targetcli` needs seconds to start its Python.

#include <deque>
#include <functional>
#include <mutex>
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
///
/// A probe may belong to a group, and a group may have a follow-up: once every probe of the
/// group has ended, the follow-up runs (on the worker that ended the last one) and may add
/// probes, which join the same run behind the others. A KVM host's second round (examine each
/// member its first round found) so starts while the storage server's reads still run, with
/// never more than `max_parallel` probes at once. A follow-up adds probes for hosts the batch
/// already has (whether they take concurrent calls was decided when the run started).
class ProbeBatch {
 public:
  using Probe = std::function<void(Prober&)>;
  using FollowUp = std::function<void(ProbeBatch&)>;
  static constexpr int kNoGroup = -1;

  void add(Host* host, const std::string& host_name, Probe probe, int group = kNoGroup);
  /// A new group, whose follow-up runs once all of its probes have ended (at once when it has
  /// none by the time the run starts).
  int group(FollowUp follow_up);
  /// Runs every probe, at most `max_parallel` at once (1: one after another, in the order
  /// added; also when a host says it cannot take concurrent calls, as the simulator cannot),
  /// and appends their sources.
  void run(int max_parallel, std::vector<SourceRecord>& sources);

 private:
  struct Entry {
    Host* host;
    std::string host_name;
    Probe probe;
    int group;
    std::vector<SourceRecord> sources;
  };
  struct Group {
    FollowUp follow_up;
    size_t pending = 0;  // probes of the group not yet ended
    bool followed = false;
  };
  void run_one(Entry& e);
  // Called with mu_ held; returns the follow-ups that became due (run them without it).
  std::vector<FollowUp*> due_follow_ups();

  // Deques: what is added while running does not move what a worker or a follow-up holds.
  std::deque<Entry> entries_;
  std::deque<Group> groups_;
  std::mutex mu_;
};

}  // namespace stackdr
