#pragma once
/// Recovery on a simulated stack, as the tests drive it: a stack with one fault injected (the
/// drill's operator scheduled where a person must act), a journal, the simulated clock, and the
/// executor's printout captured.

#include <sstream>

#include "recover/executor.h"
#include "recover/lun_serials.h"
#include "recover/recover_text.h"
#include "sim/sim_clock.h"
#include "sim/time_passes.h"
#include "sim_fixture.h"
#include "support/paths.h"

namespace stackdr::testing {

struct Recovery {
  SimStack s;
  std::unique_ptr<Journal> journal;
  SimClock clock{s.state};
  std::ostringstream out;

  explicit Recovery(const std::string& journal_path = ":memory:",
                    const std::string& config = stackdr::testing::default_config())
      : s(config) {
    reopen(journal_path);
  }
  void reopen(const std::string& path) {
    journal.reset();
    auto j = Journal::open(path);
    if (!j) throw std::runtime_error(j.error().message);
    journal = std::move(*j);
  }
  /// Injects a fault the way a drill does: the operator restores a lost network after 300 s,
  /// and one second passes before stackdr looks.
  void fault(const std::string& name) {
    remember_serials(s.topology, take_view(s.topology, s.lookup()), *journal, clock.now());
    s.inject(name);
    if (name == "storage-network-down")
      s.state->scheduled.push_back(
          {s.state->now + 300, "operator", [](sim::SimState& st) { st.storage_network_up = true; }});
    sim::advance(*s.state, 1);
  }
  RecoverOutcome run(RecoverOptions o) {
    RecoverText text(out);
    return run(std::move(o), text);
  }
  /// The same, telling `events` what happens instead of printing it.
  RecoverOutcome run(RecoverOptions o, RecoverEvents& events) {
    Executor ex(s.topology, s.lookup(), clock, *journal, events);
    return ex.run(o);
  }
  static RecoverOptions drill_policy() {
    RecoverOptions o;
    o.policy.yes = true;
    o.policy.allow_data_loss = true;
    return o;
  }
  bool healthy() { return take_view(s.topology, s.lookup()).status == 0 && sim::arrays_in_sync(*s.state); }
  /// Every state-changing argv the steps ran, per host, in order ("host: argv").
  std::vector<std::string> actions() {
    std::vector<std::string> a;
    for (const auto& [host, argv] : s.state->actions) a.push_back(host + ": " + describe_argv(argv));
    return a;
  }
};

}  // namespace stackdr::testing
