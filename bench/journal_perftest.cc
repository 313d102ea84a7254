// The journal's write and verify costs (store/journal.cc, store/journal_seal.cc): one event
// added (a transaction: the row, its seal over the one before, the chain row; WAL with
// synchronous=FULL, so an fsync each), and verify() over a journal of N events.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "store/journal.h"

namespace stackdr {
namespace {

namespace fs = std::filesystem;

JournalEvent step_event(int incident, int k) {
  JournalEvent e;
  e.incident = incident;
  e.at = 1000.0 + k;
  e.kind = EventKind::kStepFinished;
  e.step = "iscsi.login";
  e.host = "kvm";
  e.argv = "iscsiadm -m node -T iqn.2003-01.org.linux-iscsi.storage:test02 -p 192.0.2.1:3260 --login";
  e.exit_code = 0;
  e.output = "Logging in to [iface: default, target: iqn.2003-01.org.linux-iscsi.storage:test02]\n";
  return e;
}

std::unique_ptr<Journal> fresh(const fs::path& path) {
  fs::remove(path);
  fs::remove(path.string() + "-wal");
  fs::remove(path.string() + "-shm");
  return std::move(*Journal::open(path.string()));
}

void BM_JournalAddEvent(benchmark::State& st) {
  fs::path path = fs::temp_directory_path() / ("stackdr-bench-journal-" + std::to_string(::getpid()) + ".db");
  auto j = fresh(path);
  int id = j->open_incident(1.0, "live", "", 1, "session-down", "r", "s", nlohmann::json::array());
  int k = 0;
  for (auto _ : st) j->add(step_event(id, k++));
  j.reset();
  fresh(path).reset();
  fs::remove(path);
}

void BM_JournalVerify(benchmark::State& st) {
  fs::path path = fs::temp_directory_path() / ("stackdr-bench-verify-" + std::to_string(::getpid()) + ".db");
  auto j = fresh(path);
  int id = j->open_incident(1.0, "live", "", 1, "session-down", "r", "s", nlohmann::json::array());
  for (int k = 0; k < st.range(0); ++k) j->add(step_event(id, k));
  for (auto _ : st) benchmark::DoNotOptimize(j->verify());
  st.counters["events"] = static_cast<double>(st.range(0));
  j.reset();
  fs::remove(path);
}

}  // namespace

BENCHMARK(BM_JournalAddEvent)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_JournalVerify)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace stackdr
