#include "observe/prober.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
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

void ProbeBatch::add(Host* host, const std::string& host_name, Probe probe, int group) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back({host, host_name, std::move(probe), group, {}});
  if (group != kNoGroup) ++groups_.at(static_cast<size_t>(group)).pending;
}

int ProbeBatch::group(FollowUp follow_up) {
  std::lock_guard<std::mutex> lock(mu_);
  groups_.push_back({std::move(follow_up), 0, false});
  return static_cast<int>(groups_.size() - 1);
}

void ProbeBatch::run_one(Entry& e) {
  Prober p(e.host, e.host_name, e.sources);
  // A probe that throws (a parser bug, memory) is a read that failed: what it would have
  // said is not seen, and the sweep goes on. A throw out of a worker thread would abort.
  try {
    e.probe(p);
  } catch (const std::exception& x) {
    e.sources.push_back(
        {e.host_name, "probe", false, std::string("internal error while reading: ") + x.what(), 0});
  }
}

std::vector<ProbeBatch::FollowUp*> ProbeBatch::due_follow_ups() {
  std::vector<FollowUp*> due;
  for (auto& g : groups_)
    if (!g.followed && g.pending == 0) {
      g.followed = true;
      if (g.follow_up) due.push_back(&g.follow_up);
    }
  return due;
}

void ProbeBatch::run(int max_parallel, std::vector<SourceRecord>& sources) {
  // A follow-up that throws is a round not added: what its probes would read stays unseen,
  // and the record says why.
  std::vector<SourceRecord> unplanned;
  auto follow = [&](FollowUp* f) {
    try {
      (*f)(*this);
    } catch (const std::exception& x) {
      std::lock_guard<std::mutex> lock(mu_);
      unplanned.push_back(
          {"", "probe", false, std::string("internal error while planning reads: ") + x.what(), 0});
    }
  };
  size_t following = 0;  // follow-ups running: they may still add probes
  // Runs, with `lock` (on mu_) released, each follow-up whose group has just ended.
  auto follow_due = [&](std::unique_lock<std::mutex>& lock) {
    for (auto* f : due_follow_ups()) {
      ++following;
      lock.unlock();
      follow(f);  // its add()s take the lock themselves
      lock.lock();
      --following;
    }
  };
  // A probe has ended: its group has one fewer to wait for.
  auto ended = [&](const Entry& e, std::unique_lock<std::mutex>& lock) {
    if (e.group != kNoGroup) --groups_[static_cast<size_t>(e.group)].pending;
    follow_due(lock);
  };
  bool concurrent = std::all_of(entries_.begin(), entries_.end(),
                                [](const Entry& e) { return !e.host || e.host->concurrent(); });
  size_t workers = concurrent ? static_cast<size_t>(std::max(max_parallel, 1)) : 1;
  std::unique_lock<std::mutex> lock(mu_);
  follow_due(lock);  // groups with no probes of their own
  if (workers <= 1) {
    // In the order added; a follow-up's probes go behind every probe added before them.
    for (size_t i = 0; i < entries_.size(); ++i) {
      Entry& e = entries_[i];
      lock.unlock();
      run_one(e);
      lock.lock();
      ended(e, lock);
    }
    lock.unlock();
  } else {
    lock.unlock();
    std::condition_variable more;  // an entry was added, or the last one ended
    size_t next = 0, running = 0;
    auto worker = [&] {
      std::unique_lock<std::mutex> held(mu_);
      for (;;) {
        more.wait(held, [&] { return next < entries_.size() || (running == 0 && following == 0); });
        if (next >= entries_.size()) return;  // nothing left, and nothing that could add more
        Entry& e = entries_[next++];
        ++running;
        held.unlock();
        run_one(e);
        held.lock();
        --running;
        ended(e, held);
        more.notify_all();
      }
    };
    std::vector<std::thread> threads;
    for (size_t w = 0; w < workers; ++w) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  for (auto& e : entries_)
    sources.insert(sources.end(), std::make_move_iterator(e.sources.begin()),
                   std::make_move_iterator(e.sources.end()));
  sources.insert(sources.end(), unplanned.begin(), unplanned.end());
  entries_.clear();
  groups_.clear();
}

}  // namespace stackdr
