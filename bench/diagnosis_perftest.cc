// Speed of the hot paths, measured (never asserted): parsing the big outputs and a full
// observe → graph → diagnose sweep over a synthetic stack of N arrays, 2N sessions, 2N LUNs.
// Run: build/stackdr_bench   (the README's performance section quotes its output)

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <unordered_map>

#include "diagnose/diagnoser.h"
#include "model/graph_builder.h"
#include "observe/observer.h"
#include "probe/iscsiadm_session.h"
#include "probe/mdstat.h"
#include "probe/targetcli_ls.h"
#include "sim/renderers.h"
#include "sim/sim_host.h"
#include "sim/synthetic_stack.h"

namespace stackdr {
namespace {

// Answers from what a first pass through the simulated host returned, so the timed loop
// measures parsing, graph and diagnosis — not the simulator's rendering. After warm-up the
// answers are frozen (read-only), so probes may run side by side as they do on a real host.
class CachedHost : public Host {
 public:
  explicit CachedHost(std::unique_ptr<Host> inner) : inner_(std::move(inner)) {}
  const std::string& name() const override { return inner_->name(); }
  bool concurrent() const override { return frozen_; }
  void freeze() { frozen_ = true; }
  // What a sweep asked of the host: on a real one, each command is a process started.
  std::atomic<long> commands{0}, files_read{0};
  CommandResult run(const Argv& argv, std::chrono::milliseconds t) override {
    commands.fetch_add(1, std::memory_order_relaxed);
    std::string key;  // the words joined by a byte no argv word holds: cheap, and unambiguous
    for (const auto& w : argv) (key += w) += '\0';
    auto it = runs_.find(key);
    if (it != runs_.end()) return it->second;
    if (frozen_)
      return {.started = false,
              .timed_out = false,
              .exit_code = -1,
              .out = "",
              .err = "not in the warm-up's answers: " + key};
    return runs_.emplace(key, inner_->run(argv, t)).first->second;
  }
  Result<std::string> read_file(const std::string& path) override {
    files_read.fetch_add(1, std::memory_order_relaxed);
    auto it = files_.find(path);
    if (it != files_.end()) return it->second;
    if (frozen_) return Error{"not in the warm-up's answers: " + path};
    return files_.emplace(path, inner_->read_file(path)).first->second;
  }

 private:
  std::unique_ptr<Host> inner_;
  bool frozen_ = false;
  std::unordered_map<std::string, CommandResult> runs_;
  std::unordered_map<std::string, Result<std::string>> files_;
};

struct Stack {
  Topology topo;
  std::shared_ptr<sim::SimState> state;
  std::map<std::string, std::unique_ptr<CachedHost>> hosts;
  explicit Stack(int n, int logged_out_every = 0) : topo(sim::synthetic_topology(n)) {
    state = std::make_shared<sim::SimState>(sim::build_sim_state(topo));
    sim::number_disks(*state);
    if (logged_out_every > 0)
      for (size_t i = 0; i < state->sessions.size(); i += static_cast<size_t>(logged_out_every))
        state->sessions[i].session_state = "FAILED";
    for (const auto& h : topo.hosts)
      hosts[h.name] = std::make_unique<CachedHost>(std::make_unique<sim::SimHost>(h.name, state));
  }
  // One sweep through the simulator fills the caches; then they answer alone.
  Observation warm(const ObserveOptions& o) {
    Observation first = observe(topo, lookup(), o);
    for (auto& [name, h] : hosts) h->freeze();
    return first;
  }
  HostLookup lookup() {
    return [this](const std::string& n) -> Host* { return hosts.count(n) ? hosts[n].get() : nullptr; };
  }
};

ObserveOptions bench_options(int parallel = ObserveOptions{}.parallel, int examine_every = 1,
                             uint64_t sweep = 0) {
  ObserveOptions o;
  o.kernel_log = false;
  o.parallel = parallel;
  o.whole_array_examine_every = examine_every;
  o.sweep = sweep;
  return o;
}

void BM_ParseMdstat(benchmark::State& st) {
  Stack s(static_cast<int>(st.range(0)));
  std::string text = sim::render_mdstat(*s.state);
  for (auto _ : st) benchmark::DoNotOptimize(parse_mdstat(text));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * text.size()));
  st.SetComplexityN(st.range(0));
}

void BM_ParseIscsiadmSessionP3(benchmark::State& st) {
  Stack s(static_cast<int>(st.range(0)));
  std::string text = sim::render_iscsiadm_session(*s.state, 3).out;
  for (auto _ : st) benchmark::DoNotOptimize(parse_iscsiadm_session(text));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * text.size()));
  st.SetComplexityN(st.range(0));
}

void BM_ParseTargetcliLs(benchmark::State& st) {
  Stack s(static_cast<int>(st.range(0)));
  std::string text = sim::render_targetcli_ls(*s.state);
  for (auto _ : st) benchmark::DoNotOptimize(parse_targetcli_ls(text));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * text.size()));
  st.SetComplexityN(st.range(0));
}

// The timed body of a sweep, out of line so that a profiler can collect it alone
// (valgrind --toggle-collect='*one_sweep*'), without the warm-up's simulator.
[[gnu::noinline]] void one_sweep(Stack& s, const ObserveOptions& options, size_t& findings,
                                 size_t& failed_reads) {
  Observation o = observe(s.topo, s.lookup(), options);
  failed_reads = static_cast<size_t>(
      std::count_if(o.sources.begin(), o.sources.end(), [](const SourceRecord& r) { return !r.ok; }));
  StackGraph g = build_graph(s.topo, o);
  auto f = diagnose(g);
  findings = f.size();
  benchmark::DoNotOptimize(f);
}

// One full sweep: every probe parsed, the graph built, diagnosis run. Probes run side by side
// as the observer runs them on a real host (`parallel` at most); the figure is wall time.
// `examine_every` > 1 is the daemon's sweep (a whole array's members examined on its turn,
// ObserveOptions::whole_array_examine_every); its sweeps are counted from 1, as after the
// daemon's first, which reads every one.
void sweep(benchmark::State& st, int logged_out_every, int parallel = ObserveOptions{}.parallel,
           int examine_every = 1) {
  Stack s(static_cast<int>(st.range(0)), logged_out_every);
  s.warm(bench_options(parallel));
  size_t findings = 0;
  size_t failed_reads = 0;
  long commands = 0, files = 0;
  for (auto& [name, h] : s.hosts) commands -= h->commands, files -= h->files_read;
  uint64_t n = 0;
  for (auto _ : st) one_sweep(s, bench_options(parallel, examine_every, ++n), findings, failed_reads);
  for (auto& [name, h] : s.hosts) commands += h->commands, files += h->files_read;
  st.counters["findings"] = static_cast<double>(findings);
  st.counters["failed_reads"] = static_cast<double>(failed_reads);  // 0, or the cache missed
  // Per sweep: the commands (processes, on a real host) and the files read.
  st.counters["commands"] =
      benchmark::Counter(static_cast<double>(commands), benchmark::Counter::kAvgIterations);
  st.counters["files"] = benchmark::Counter(static_cast<double>(files), benchmark::Counter::kAvgIterations);
  st.SetComplexityN(st.range(0));
}

void BM_ObserveOnly(benchmark::State& st) {
  Stack s(static_cast<int>(st.range(0)));
  s.warm(bench_options());
  for (auto _ : st) benchmark::DoNotOptimize(observe(s.topo, s.lookup(), bench_options()));
  st.SetComplexityN(st.range(0));
}

void BM_GraphAndDiagnoseOnly(benchmark::State& st) {
  Stack s(static_cast<int>(st.range(0)), 10);
  Observation o = s.warm(bench_options());
  for (auto _ : st) {
    StackGraph g = build_graph(s.topo, o);
    benchmark::DoNotOptimize(diagnose(g));
  }
  st.SetComplexityN(st.range(0));
}

void BM_FullSweepHealthy(benchmark::State& st) {
  sweep(st, 0);
}
void BM_FullSweepTenPercentSessionsFailed(benchmark::State& st) {
  sweep(st, 10);
}
// The same sweep one probe at a time: the CPU a sweep costs, whatever the cores.
void BM_FullSweepHealthyOneProbeAtATime(benchmark::State& st) {
  sweep(st, 0, 1);
}
// The daemon's sweep of a healthy stack at its default interval (60 s): a whole array's
// members examined one sweep in 5 (every five minutes).
void BM_WatchSweepHealthy(benchmark::State& st) {
  sweep(st, 0, ObserveOptions{}.parallel, 5);
}

BENCHMARK(BM_ParseMdstat)
    ->RangeMultiplier(10)
    ->Range(10, 1000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ParseIscsiadmSessionP3)
    ->RangeMultiplier(10)
    ->Range(10, 1000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ParseTargetcliLs)
    ->RangeMultiplier(10)
    ->Range(10, 1000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ObserveOnly)
    ->RangeMultiplier(10)
    ->Range(10, 1000)
    ->Complexity(benchmark::oN)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GraphAndDiagnoseOnly)
    ->RangeMultiplier(10)
    ->Range(10, 1000)
    ->Arg(300)
    ->Arg(2000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FullSweepHealthy)
    ->RangeMultiplier(10)
    ->Range(10, 10000)  // 10,000 arrays: 20,000 LUNs and sessions, the fleet issue's large stack
    ->Complexity(benchmark::oN)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WatchSweepHealthy)
    ->RangeMultiplier(10)
    ->Range(10, 10000)
    ->Complexity(benchmark::oN)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FullSweepTenPercentSessionsFailed)
    ->RangeMultiplier(10)
    ->Range(10, 1000)
    ->Complexity(benchmark::oN)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FullSweepHealthyOneProbeAtATime)
    ->RangeMultiplier(10)
    ->Range(10, 1000)
    ->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stackdr

BENCHMARK_MAIN();
