#pragma once
/// PracticeStack: one simulated stack that outlives the stackdr process, for rehearsing the
/// runbook (`stackdr lab init | inject | reset | show`) and for killing a real stackdr in the
/// middle of a recovery. It lives in a folder of the state directory as the topology it was
/// made from and a tape: one JSON line per change (a fault injected, a state-changing command
/// run on a host, simulated time passed). Opening replays the tape on a fresh
/// build_sim_state(); the simulation is deterministic, so the same tape gives the same stack.
/// A command's line is written and synced before its caller sees the result, so a stackdr
/// killed at any instant leaves a tape whose every line happened — as a real host keeps what a
/// command did whether or not the stackdr that ran it lived to write it down.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host/clock.h"
#include "host/host.h"
#include "sim/sim_state.h"
#include "util/result.h"

namespace stackdr::sim {

/// One line of the tape.
struct TapeEntry {
  enum class Kind { kMade, kFault, kCommand, kTime, kRepair };
  Kind kind = Kind::kCommand;
  double at = 0;        // wall-clock seconds since the epoch when it was written
  std::string host;     // kCommand
  Argv argv;            // kCommand
  int64_t seconds = 0;  // kTime
  std::string fault;    // kFault; kRepair: the repair's name
  std::string source;   // kMade: the topology file it was copied from
  int pace_ms = 0;      // kMade
  int64_t token = 0;    // kCommand: the fencing token it ran under (0: not coordinated)
};

/// "made", "fault", "command", "time", "repair": the tape's word for a kind of entry.
const char* tape_kind_name(TapeEntry::Kind k);

class PracticeStack {
 public:
  /// The practice stack's folder for a state directory's lab side (STATE/lab/practice).
  static std::filesystem::path folder(const std::filesystem::path& lab_state_dir);
  static bool exists(const std::filesystem::path& folder);
  /// Makes a healthy practice stack in `folder` from a topology file (copied there, so later
  /// edits of the file do not change what the tape replays on). `pace_ms`: each step a
  /// recovery runs takes that much real time, half before its effect and half after, so a
  /// rehearsal can be followed (and a test can kill stackdr inside a step).
  static Result<std::unique_ptr<PracticeStack>> create(const std::filesystem::path& folder,
                                                       const std::string& topology_file, int pace_ms);
  /// The same from a topology's text; `source` is where it came from (a path, or the built-in
  /// example), recorded on the tape.
  static Result<std::unique_ptr<PracticeStack>> create_from_text(const std::filesystem::path& folder,
                                                                 const std::string& topology_text,
                                                                 const std::string& source, int pace_ms);
  /// Opens and replays; a damaged tape is an error naming the line.
  static Result<std::unique_ptr<PracticeStack>> open(const std::filesystem::path& folder);

  ~PracticeStack();
  PracticeStack(const PracticeStack&) = delete;
  PracticeStack& operator=(const PracticeStack&) = delete;

  const Topology& topology() const { return topology_; }
  /// The topology file's path inside the folder, and its text.
  std::filesystem::path topology_path() const { return folder_ / "topology.yaml"; }
  const std::filesystem::path& dir() const { return folder_; }
  std::shared_ptr<SimState> state() const { return state_; }
  const std::vector<TapeEntry>& tape() const { return tape_; }
  int pace_ms() const { return pace_ms_; }
  /// What opening found and repaired (a last line cut by a crash), for the operator.
  const std::vector<std::string>& notes() const { return notes_; }

  /// Injects a fault and records it.
  Result<bool> inject(std::string_view fault);
  /// Does the operator's part of a repair (sim::repair_catalog) and records it.
  Result<bool> repair(std::string_view name);
  /// Back to healthy: the tape keeps only its first line. Same topology and pace.
  Result<bool> reset();

  /// A Host for a topology host of this stack, recording what changes it; this stack must
  /// outlive it.
  std::unique_ptr<Host> host(const std::string& name);
  /// The clock recovery waits on; recorded time passes.
  std::unique_ptr<Clock> clock();

  /// Appends a record and, for all but time, syncs it to disk before returning.
  void record(TapeEntry e);

 private:
  PracticeStack() = default;
  Result<bool> replay();

  std::filesystem::path folder_;
  Topology topology_;
  std::shared_ptr<SimState> state_;
  std::vector<TapeEntry> tape_;
  int pace_ms_ = 0;
  int fd_ = -1;  // the tape, open for appending
  std::vector<std::string> notes_;
};

}  // namespace stackdr::sim
