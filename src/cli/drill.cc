#include "cli/drill.h"

#include <fmt/format.h>

#include <chrono>

#include "cli/report_json.h"
#include "diagnose/diagnoser.h"
#include "model/graph_builder.h"
#include "probe/observer.h"
#include "sim/faults.h"
#include "sim/sim_host.h"

namespace stackdr {

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Result<DrillResult> run_detection_drill(const Topology& topology, const std::string& fault) {
  const sim::Fault* f = sim::find_fault(fault);
  if (!f) return sim::inject_fault(*std::make_shared<sim::SimState>(), fault).error();
  DrillResult r;
  r.fault = fault;
  r.expected_scenario = f->scenario;
  r.expected_cause = f->cause;
  auto state = std::make_shared<sim::SimState>(sim::build_sim_state(topology));
  std::map<std::string, std::unique_ptr<sim::SimHost>> hosts;
  for (const auto& h : topology.hosts) hosts[h.name] = std::make_unique<sim::SimHost>(h.name, state);
  HostLookup lookup = [&](const std::string& n) -> Host* {
    return hosts.count(n) ? hosts[n].get() : nullptr;
  };

  r.baseline_status = status_code(build_graph(topology, observe(topology, lookup)));
  if (auto inj = sim::inject_fault(*state, fault); !inj) return inj.error();
  std::map<std::string, size_t> before;
  for (auto& [n, h] : hosts) before[n] = h->command_log().size();

  auto t0 = std::chrono::steady_clock::now();
  Observation obs = observe(topology, lookup);
  r.observe_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  StackGraph g = build_graph(topology, obs);
  r.findings = diagnose(g);
  r.status = status_code(g);
  r.diagnose_ms = ms_since(t0);
  for (auto& [n, h] : hosts) r.commands[n] = h->command_log().size() - before[n];
  for (const auto& fd : r.findings)
    if (fd.scenario == r.expected_scenario && fd.cause == r.expected_cause) r.diagnosed = true;
  return r;
}

nlohmann::json drill_json(const std::vector<DrillResult>& results) {
  nlohmann::json drills = nlohmann::json::array();
  int ok = 0;
  for (const auto& r : results) {
    ok += r.diagnosed && r.baseline_status == 0;
    const Finding* first = r.findings.empty() ? nullptr : &r.findings.front();
    drills.push_back({{"fault", r.fault},
                      {"expected", {{"scenario", r.expected_scenario}, {"cause", r.expected_cause}}},
                      {"scenario", first ? first->scenario : 0},
                      {"cause", first ? first->cause : ""},
                      {"diagnosed", r.diagnosed},
                      {"baseline_status", r.baseline_status},
                      {"status", r.status},
                      {"observe_ms", r.observe_ms},
                      {"diagnose_ms", r.diagnose_ms},
                      {"commands", r.commands},
                      {"findings", findings_json(r.findings)}});
  }
  return {{"drills", drills}, {"passed", ok}, {"failed", static_cast<int>(results.size()) - ok}};
}

std::string drill_text(const std::vector<DrillResult>& results) {
  std::string out =
      fmt::format("{:<24} {:<28} {:<28} {:<9} {:>9}\n", "fault", "expected", "diagnosed", "status", "detect");
  int ok = 0;
  for (const auto& r : results) {
    bool pass = r.diagnosed && r.baseline_status == 0;
    ok += pass;
    std::string got = r.findings.empty()
                          ? "(nothing found)"
                          : fmt::format("{} / {}", r.findings[0].scenario, r.findings[0].cause);
    if (r.findings.size() > 1) got += fmt::format(" +{}", r.findings.size() - 1);
    out += fmt::format("{:<24} {:<28} {:<28} {:<9} {:>7.2f}ms  {}\n", r.fault,
                       fmt::format("{} / {}", r.expected_scenario, r.expected_cause), got,
                       r.status == 0   ? "OK"
                       : r.status == 1 ? "WARNING"
                       : r.status == 2 ? "CRITICAL"
                                       : "UNKNOWN",
                       r.observe_ms + r.diagnose_ms, pass ? "ok" : "MISMATCH");
  }
  out += fmt::format("\n{} passed, {} failed\n", ok, results.size() - static_cast<size_t>(ok));
  return out;
}

}  // namespace stackdr
