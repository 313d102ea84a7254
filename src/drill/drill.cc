#include "drill/drill.h"

#include <fmt/format.h>

#include <chrono>
#include <random>
#include <sstream>

#include "diagnose/diagnoser.h"
#include "diagnose/report_json.h"
#include "recover/lun_serials.h"
#include "recover/recover_text.h"
#include "sim/faults.h"
#include "sim/sim_clock.h"
#include "sim/sim_stack.h"
#include "sim/time_passes.h"
#include "util/json_text.h"

namespace stackdr {

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// What the drill's operator does for faults stackdr cannot repair itself: the network is
// cables and switches. Five minutes after the fault, as a person would.
std::string schedule_operator(sim::SimState& s, const std::string& fault, int64_t after_s) {
  if (fault != "storage-network-down") return "";
  s.scheduled.push_back({s.now + after_s, "operator restores the storage network",
                         [](sim::SimState& st) { st.storage_network_up = true; }});
  return fmt::format("operator restored the storage network {} s after the fault (simulated)", after_s);
}

}  // namespace

std::string runbook_timeline(int scenario) {
  switch (scenario) {
    case 1:
      return "15-30 minutes";
    case 2:
      return "1-3 hours";
    case 3:
      return "12-24 hours";
    case 4:
      return "1-6 hours";
    case 5:
      return "10-45 minutes";
  }
  return "";
}

Result<DrillResult> run_drill(const Topology& topology, const std::string& fault) {
  const sim::Fault* f = sim::find_fault(fault);
  if (!f) return sim::inject_fault(*std::make_shared<sim::SimState>(), fault).error();
  DrillResult r;
  r.fault = fault;
  r.expected_scenario = f->scenario;
  r.expected_cause = f->cause;
  sim::SimStack st(topology);
  auto journal = Journal::open(":memory:");
  if (!journal) return journal.error();
  SimClock clock(st.state);

  View baseline = take_view(topology, st.lookup);  // the healthy stack, as the daemon sees it
  r.baseline_status = baseline.status;
  remember_serials(topology, baseline, **journal, clock.now());

  if (auto inj = sim::inject_fault(*st.state, fault); !inj) return inj.error();
  int64_t fault_at = st.state->now;
  r.operator_action = schedule_operator(*st.state, fault, 300);
  sim::advance(*st.state, 1);  // one sweep interval: stackdr sees it within a second

  auto t0 = std::chrono::steady_clock::now();
  View v = take_view(topology, st.lookup);
  r.detect_ms = ms_since(t0);
  r.outage_s = st.state->now - fault_at;
  r.findings = v.findings;
  r.status = v.status;
  for (const auto& fd : r.findings)
    if (fd.scenario == r.expected_scenario && cause_name(fd.cause) == r.expected_cause) r.diagnosed = true;

  int64_t recover_from = st.state->now;
  std::ostringstream out;
  RecoverText text(out);
  Executor ex(topology, st.lookup, clock, **journal, text);
  RecoverOptions o;
  o.policy.yes = true;
  o.policy.allow_data_loss = true;  // the drill policy: every class may run; interlocks still apply
  o.mode = "drill";
  t0 = std::chrono::steady_clock::now();
  r.recovery = ex.run(o);
  r.recover_ms = ms_since(t0);
  r.recover_s = st.state->now - recover_from;
  r.output = out.str();

  t0 = std::chrono::steady_clock::now();
  View after = take_view(topology, st.lookup);
  r.verify_ms = ms_since(t0);
  r.final_status = after.status;
  r.recovered = r.recovery.exit == kRecovered && after.status == 0 && sim::arrays_in_sync(*st.state);
  r.data_loss = st.state->data_loss;
  for (const auto& a : st.state->arrays) {
    if (a.generation < a.acknowledged)
      r.data_loss.push_back(fmt::format("{} serves an old generation", a.name));
    r.array_bytes += a.size_kib * 1024;
  }
  r.bytes_resynced = st.state->bytes_resynced;
  for (const auto& [host, argv] : st.state->actions) r.actions[host]++;
  for (const auto& [n, h] : st.hosts) {
    r.commands[n] = h->command_log().size();
  }
  return r;
}

nlohmann::json drill_json(const std::vector<DrillResult>& results) {
  nlohmann::json drills = nlohmann::json::array();
  int ok = 0;
  for (const auto& r : results) {
    ok += r.passed();
    const Finding* first = r.findings.empty() ? nullptr : &r.findings.front();
    nlohmann::json steps = steps_json(r.recovery.steps);
    drills.push_back({{"fault", r.fault},
                      {"expected", {{"scenario", r.expected_scenario}, {"cause", r.expected_cause}}},
                      {"scenario", first ? first->scenario : 0},
                      {"cause", first ? cause_name(first->cause) : ""},
                      {"diagnosed", r.diagnosed},
                      {"baseline_status", r.baseline_status},
                      {"status", r.status},
                      {"recovered", r.recovered},
                      {"final_status", r.final_status},
                      {"recover_exit", r.recovery.exit},
                      {"recover_message", r.recovery.message},
                      {"data_lost", !r.data_loss.empty()},
                      {"data_loss", r.data_loss},
                      {"bytes_resynced", r.bytes_resynced},
                      {"array_bytes", r.array_bytes},
                      {"steps", steps},
                      {"commands", r.commands},
                      {"actions", r.actions},
                      {"operator_action", r.operator_action},
                      {"phases",
                       {{"detect_ms", r.detect_ms},
                        {"recover_ms", r.recover_ms},
                        {"verify_ms", r.verify_ms},
                        {"simulated_outage_before_detection_s", r.outage_s},
                        {"simulated_recovery_s", r.recover_s}}},
                      {"runbook_timeline", runbook_timeline(r.expected_scenario)},
                      {"findings", findings_json(r.findings)}});
  }
  return {{"drills", drills}, {"passed", ok}, {"failed", static_cast<int>(results.size()) - ok}};
}

namespace {
std::string human_bytes(int64_t b) {
  if (b >= (1LL << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(b) / (1LL << 30));
  if (b >= (1LL << 20)) return fmt::format("{:.0f} MiB", static_cast<double>(b) / (1LL << 20));
  return fmt::format("{} B", b);
}
std::string human_s(int64_t s) {
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}
}  // namespace

std::string drill_text(const std::vector<DrillResult>& results) {
  std::string out =
      fmt::format("{:<23} {:<27} {:>5} {:>9} {:>10} {:>9} {:>9} {:<14} {}\n", "fault", "diagnosed", "steps",
                  "resynced", "stackdr", "sim time", "data", "runbook", "result");
  int ok = 0;
  for (const auto& r : results) {
    ok += r.passed();
    std::string got = r.findings.empty()
                          ? "(nothing found)"
                          : fmt::format("{} / {}", r.findings[0].scenario, r.findings[0].cause);
    size_t acts = 0;
    for (const auto& s : r.recovery.steps)
      acts += s.result == StepResult::kOk || s.result == StepResult::kFailedBestEffort ||
              s.result == StepResult::kUnverified || s.result == StepResult::kWaited;
    out += fmt::format(
        "{:<23} {:<27} {:>5} {:>9} {:>8.0f}ms {:>9} {:>9} {:<14} {}\n", r.fault, got, acts,
        human_bytes(r.bytes_resynced), r.detect_ms + r.recover_ms + r.verify_ms,
        human_s(r.outage_s + r.recover_s), r.data_loss.empty() ? "intact" : "LOST",
        runbook_timeline(r.expected_scenario),
        r.passed() ? "recovered" : (r.diagnosed ? "NOT RECOVERED: " + r.recovery.message : "MISDIAGNOSED"));
  }
  out += fmt::format(
      "\n{} passed, {} failed   (steps: actions and waits run; resynced: bytes md copied; stackdr: wall time "
      "of "
      "detection + recovery + verification; sim time: the stack's simulated time from fault to healthy)\n",
      ok, results.size() - static_cast<size_t>(ok));
  return out;
}

ChaosResult run_chaos(const Topology& topology, uint64_t seed, int count) {
  ChaosResult res;
  std::mt19937_64 rng(seed);
  const auto& catalog = sim::fault_catalog();
  for (int run = 0; run < count; ++run) {
    sim::SimStack st(topology);
    auto journal = Journal::open(":memory:");
    if (!journal) break;
    SimClock clock(st.state);
    remember_serials(topology, take_view(topology, st.lookup), **journal, clock.now());
    // 1 to 3 faults, in random order, with random gaps; some strike during recovery.
    int n = 1 + static_cast<int>(rng() % 3);
    std::vector<std::string> faults;
    for (int i = 0; i < n; ++i) faults.push_back(catalog[rng() % catalog.size()].name);
    size_t during = faults.size() > 1 && rng() % 2 ? faults.size() - 1 : faults.size();
    std::vector<std::string> log;
    for (size_t i = 0; i < during; ++i) {
      if (sim::inject_fault(*st.state, faults[i])) log.push_back(faults[i]);
      schedule_operator(*st.state, faults[i], 60 + static_cast<int64_t>(rng() % 900));
      sim::advance(*st.state, static_cast<int64_t>(rng() % 120));
    }
    int acts_until_strike = static_cast<int>(rng() % 6);
    std::ostringstream out;
    RecoverText text(out);
    Executor ex(topology, st.lookup, clock, **journal, text);
    RecoverOptions o;
    o.policy.yes = true;
    o.policy.allow_data_loss = true;
    o.mode = "chaos";
    if (during < faults.size())
      o.after_act = [&, late = faults.back()](const Step&) {
        if (acts_until_strike-- != 0) return;
        if (sim::inject_fault(*st.state, late)) {
          log.push_back(late + " (during recovery)");
          ++res.faults_during_recovery;
        }
        schedule_operator(*st.state, late, 60 + static_cast<int64_t>(rng() % 900));
      };
    RecoverOutcome rec = ex.run(o);
    // A fault that struck after the last act leaves work: recover again, as the daemon would.
    View v = take_view(topology, st.lookup);
    if (rec.exit == kRecovered && v.status != 0) {
      o.after_act = nullptr;
      rec = ex.run(o);
      v = take_view(topology, st.lookup);
    }
    ++res.runs;
    std::vector<std::string> lost = st.state->data_loss;
    res.data_loss_actions += static_cast<int>(lost.size());
    bool healthy = rec.exit == kRecovered && v.status == 0 && sim::arrays_in_sync(*st.state);
    bool escalated = !healthy && (rec.exit == kNeedsOperator || rec.exit == kStopped) && !rec.message.empty();
    if (healthy) ++res.healthy;
    if (escalated) {
      ++res.escalated;
      std::string m = rec.message;
      auto colon = m.find(':', m.find(':') + 1);
      res.escalation_reasons[m.substr(0, std::min<size_t>(colon, 90))]++;
    }
    if (!lost.empty() || (!healthy && !escalated))
      res.failures.push_back({{"run", run},
                              {"faults", log},
                              {"exit", rec.exit},
                              {"message", rec.message},
                              {"data_loss", lost},
                              {"output", out.str()}});
  }
  return res;
}

nlohmann::json chaos_json(const ChaosResult& r, uint64_t seed) {
  return {{"seed", seed},
          {"runs", r.runs},
          {"healthy", r.healthy},
          {"escalated", r.escalated},
          {"data_loss_actions", r.data_loss_actions},
          {"faults_during_recovery", r.faults_during_recovery},
          {"escalation_reasons", r.escalation_reasons},
          {"failures", r.failures}};
}

std::string chaos_text(const ChaosResult& r, uint64_t seed) {
  std::string out = fmt::format(
      "chaos seed {}: {} runs, {} healthy, {} need an operator, {} data-loss actions ({} faults struck "
      "during "
      "recovery)\n",
      seed, r.runs, r.healthy, r.escalated, r.data_loss_actions, r.faults_during_recovery);
  for (const auto& [why, n] : r.escalation_reasons) out += fmt::format("  {:>5} × {}\n", n, why);
  for (const auto& f : r.failures) out += "  FAILED run " + json_text(f) + "\n";
  return out;
}

}  // namespace stackdr
