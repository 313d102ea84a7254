#include "observe/prober.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "util/text.h"

namespace stackdr {

namespace {
double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

std::optional<CommandResult> Prober::run(const Argv& argv, std::chrono::milliseconds timeout,
                                         std::initializer_list<int> ok_rc) {
  std::string what = describe_argv(argv);
  if (!host_) {
    record(what, false, "no way to reach this host (see hosts: in the topology)", 0);
    return std::nullopt;
  }
  auto t0 = std::chrono::steady_clock::now();
  CommandResult r = host_->run(argv, timeout);
  double ms = ms_since(t0);
  if (!r.started) {
    record(what, false, r.err.empty() ? "could not start" : std::string(text::trim(r.err)), ms);
    return std::nullopt;
  }
  if (r.timed_out) {
    record(what, false, fmt::format("timed out after {} ms", timeout.count()), ms);
    return std::nullopt;
  }
  bool accepted = std::find(ok_rc.begin(), ok_rc.end(), r.exit_code) != ok_rc.end();
  record(what, accepted, accepted ? "" : fmt::format("exit {}: {}", r.exit_code, text::trim(r.err)), ms);
  // An exit status the probe does not expect means its output is not the answer (empty, or
  // half of it): nothing is parsed from it, so a failed read can never pass for "none".
  if (!accepted) return std::nullopt;
  return r;
}

std::optional<std::string> Prober::read(const std::string& path) {
  if (!host_) {
    record(path, false, "no way to reach this host", 0);
    return std::nullopt;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto r = host_->read_file(path);
  record(path, r.ok(), r.ok() ? "" : r.error().message, ms_since(t0));
  if (!r) return std::nullopt;
  return *r;
}

void Prober::record(const std::string& what, bool ok, const std::string& err, double ms) {
  // One record, one line: a tool's multi-line stderr is folded so a report keeps one
  // "could not read" line per read.
  std::string one_line;
  for (auto l : text::lines(err)) {
    auto t = text::trim(l);
    if (t.empty()) continue;
    if (!one_line.empty()) one_line += "; ";
    one_line += t;
  }
  sources_.push_back({name_, what, ok, one_line, ms});
}

void ProbeBatch::add(Host* host, const std::string& host_name, Probe probe) {
  entries_.push_back({host, host_name, std::move(probe), {}});
}

void ProbeBatch::run(int max_parallel, std::vector<SourceRecord>& sources) {
  auto run_one = [](Entry& e) {
    Prober p(e.host, e.host_name, e.sources);
    // A probe that throws (a parser bug, memory) is a read that failed: what it would have
    // said is not seen, and the sweep goes on. A throw out of a worker thread would abort.
    try {
      e.probe(p);
    } catch (const std::exception& x) {
      e.sources.push_back(
          {e.host_name, "probe", false, std::string("internal error while reading: ") + x.what(), 0});
    }
  };
  bool concurrent = std::all_of(entries_.begin(), entries_.end(),
                                [](const Entry& e) { return !e.host || e.host->concurrent(); });
  size_t workers =
      concurrent ? std::min<size_t>(static_cast<size_t>(std::max(max_parallel, 1)), entries_.size()) : 1;
  if (workers <= 1) {
    for (auto& e : entries_) run_one(e);
  } else {
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    for (size_t w = 0; w < workers; ++w)
      threads.emplace_back([&] {
        for (size_t i = next++; i < entries_.size(); i = next++) run_one(entries_[i]);
      });
    for (auto& t : threads) t.join();
  }
  for (auto& e : entries_) sources.insert(sources.end(), e.sources.begin(), e.sources.end());
  entries_.clear();
}

}  // namespace stackdr
