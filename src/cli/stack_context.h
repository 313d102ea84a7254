#pragma once
/// StackContext: where a command gets its view of the stack — the topology, and a Host for each
/// topology host: the simulated stack (--lab: the state directory's practice stack when there
/// is one, else a fresh healthy stack with the --fault given), a captured bundle (--from DIR),
/// or the real machines (LocalHost here, SshHost over OpenSSH for `transport: ssh`).

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/bundle.h"
#include "host/clock.h"
#include "host/host.h"
#include "host/private_dir.h"
#include "observe/observer.h"
#include "operate/stack.h"
#include "recover/stack_hints.h"
#include "sim/practice_stack.h"
#include "sim/sim_state.h"
#include "store/journal.h"
#include "topology/stack_folder.h"
#include "topology/topology.h"

namespace stackdr {

struct ContextOptions {
  std::string config;               // "" = the default search (see topology_path)
  bool lab = false;                 // use the simulated stack
  std::vector<std::string> faults;  // injected into the simulated stack, in order
  std::string from;                 // replay bundle directory
  std::string state_dir;            // "" = $STACKDR_STATE_DIR or /var/lib/stackdr
  std::string stack;                // --stack NAME: one stack of a topology folder
  /// Set by select_stack when the stack came from a folder: the folder and the state directory
  /// it was chosen in (config and state_dir then name the stack's own file and folder), so every
  /// hint names the stack the way the operator did (--config DIR --stack NAME --state-dir DIR).
  std::string stacks_folder, state_root;
};

/// Made from the command line's options; the Stack every verb and the daemon work on.
class StackContext : public Stack {
 public:
  static Result<std::unique_ptr<StackContext>> open(const ContextOptions& options);
  /// The live machines of a topology made in memory (`stackdr init`'s skeleton).
  static Result<std::unique_ptr<StackContext>> live(Topology topology);

  const Topology& topology() const override { return topology_; }
  /// The text the topology was read from (a bundle keeps it).
  const std::string& topology_text() const { return topology_text_; }
  HostLookup hosts() override;
  Observation observe(const ObserveOptions& options = {});
  /// The simulated stack, when this context runs on one (nullptr otherwise).
  std::shared_ptr<sim::SimState> sim() const { return sim_; }
  /// The practice stack this context runs on (nullptr: none; see sim::PracticeStack).
  sim::PracticeStack* practice() const { return practice_.get(); }
  /// The clock a recovery waits on: real time, or the (practice) stack's simulated time.
  std::unique_ptr<Clock> clock() override;
  std::string journal_mode() const override;
  bool simulated() const override { return sim_ != nullptr; }
  std::string practice_folder() const override;
  Result<bool> inject_fault(const std::string& name) override;
  void let_time_pass(int64_t seconds) override;
  int run_light_maintenance(Journal& journal, const std::string& state_dir, const std::string& task,
                            std::ostream& log) override;
  std::string mode() const;  // "lab (simulated stack)", "practice stack DIR", "replay DIR", "live"
  /// From now on every host answers through `bundle`, which keeps each read (stackdr collect).
  void record_into(BundleWriter& bundle);
  ~StackContext() override;

 private:
  Topology topology_;
  std::string topology_text_;
  std::shared_ptr<sim::SimState> sim_;
  std::unique_ptr<sim::PracticeStack> practice_;  // before hosts_: its hosts refer to it
  std::string from_;
  std::map<std::string, std::unique_ptr<Host>> hosts_;
  std::map<std::string, std::unique_ptr<Host>> recorders_;  // wrap hosts_ while collecting
  std::shared_ptr<PrivateDir> unpacked_;                    // a --from archive's folder, removed at the end
  /// A Host for each topology host: here (local) or over OpenSSH.
  Result<bool> reach_hosts();
  Result<bool> open_practice(const ContextOptions& o, const std::filesystem::path& folder);
  /// The folder of a --from bundle: itself, or a .tar.gz unpacked into a private folder.
  Result<std::string> open_bundle(const std::string& from);
};

/// The stacks the options select when the topology is a folder (--config DIR, $STACKDR_CONFIG,
/// or /etc/stackdr/stacks.d): all of them, or the one --stack names. Empty when the topology is
/// one file (--stack must then be that file's `name:`). Errors say which stacks there are.
Result<std::vector<FolderStack>> chosen_stacks(const ContextOptions& options);
/// The options of one stack of a folder: its file, its own state folder (STATE/stacks/NAME),
/// and what the hints need to name it again.
ContextOptions stack_options(const ContextOptions& options, const FolderStack& stack);
/// For a verb that works on one stack: with a folder, `options` become that stack's
/// (--stack required when the folder holds several); with a file, --stack is checked.
Result<bool> select_stack(ContextOptions& options);
/// Where a stack of a folder keeps its journal and locks: STATE/stacks/NAME.
std::string stack_state_dir(const std::string& state_root, const std::string& stack);
/// A journal verb's state folder (`incident`, `journal`): --stack NAME's, or the state directory's
/// own; an error when that holds no journal but stacks/ does (which stack is then a guess).
Result<std::string> journal_state_dir(const std::string& state_dir, const std::string& stack);

/// The topology file of a verb that reaches machines: `given` (--config), else $STACKDR_CONFIG,
/// else /etc/stackdr/stackdr.yaml, else /etc/stackdr/stacks.d. With none of them there is no default: the
/// error says how to write one (`stackdr init`) and how to try stackdr without touching a machine (exit 64).
Result<std::string> topology_path(const std::string& given);

/// The topology of a simulated stack (`lab init`, `drill`, `--lab` without a practice stack):
/// the same search, then the built-in example (harmless there: nothing is reached).
Result<Topology> simulated_topology(const std::string& given);
/// The same as text and where it came from, for a practice stack that keeps its own copy.
struct TopologySource {
  std::string text, source;
};
Result<TopologySource> simulated_topology_source(const std::string& given);

/// The options that select the stack these options select, for every hint a verb prints: the
/// state directory always (resolved), --lab when on the simulated stack, the topology file
/// when one was given or found (resolved to an absolute path).
StackHints stack_hints(const ContextOptions& options);
/// The same for the verbs that take the journal's options alone (`incident`, `journal`):
/// --lab, --stack NAME, --state-dir (resolved).
StackHints journal_hints(const std::string& state_dir, const std::string& stack, bool lab);

/// When an operator's act on an incident happens, on the clock the incident was opened on: a
/// live incident on real time; a practice one on its practice stack's simulated time (so a
/// report's downtime is not simulated-open to real-close); a throwaway simulated run's, whose
/// stack is gone, at its last journaled moment.
double incident_now(const IncidentRecord& inc, const std::vector<JournalEvent>& events,
                    const std::string& state_dir);

/// $STACKDR_STATE_DIR, else /var/lib/stackdr.
std::string default_state_dir();
/// Where a run keeps its journal and locks: the state directory, or its lab/ folder for runs
/// on the simulated stack (they never write the live journal). The practice stack lives in
/// the lab/ folder too (sim::PracticeStack::folder).
std::string state_dir_for(const std::string& dir, bool lab);

}  // namespace stackdr
